"""``appam usage`` output: a Rich table with a totals row and a cost bar chart, or CSV / JSON."""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING

from appam_cli.datamodel.usage import AggregatedUsage, format_usd
from appam_cli.render.columns import Column, fit, left_out_note, print_table, short_count
from appam_cli.render.environment import environment

if TYPE_CHECKING:
    from rich.console import Console

    from appam_cli.datamodel.usage_report import ReportRow, UsageReport

CSV_FIELDS = (
    "group",
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_requests",
    "estimated_requests",
)
EIGHTHS = " ▏▎▍▌▋▊▉"
MAX_BAR = 48


def write_json(report: UsageReport, out: IO[str]) -> None:
    out.write(json.dumps(report.to_dict(), indent=2) + "\n")


def write_csv(report: UsageReport, out: IO[str]) -> None:
    """One row per group (no totals row: sum the columns); cost_usd counts priced requests only."""
    session = report.by == "session"
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS + (("label",) if session else ()))
    for row in report.rows:
        u = row.usage
        cells = [
            row.group, u.request_count, u.total_input_tokens, u.total_output_tokens, u.total_cache_read_tokens,
            u.total_cache_creation_tokens, u.total_reasoning_tokens,
            f"{u.total_cost_usd:.10f}".rstrip("0").rstrip(".") or "0", u.unpriced_requests, u.estimated_requests,
        ]
        writer.writerow(cells + [row.label] if session else cells)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def period_line(report: UsageReport) -> str:
    """What the report covers, in UTC, said in words."""
    w = report.where
    if w.since and w.until:
        span = f"{_when(w.since)} to {_when(w.until)}"
    elif w.since:
        span = f"since {_when(w.since)}"
    elif w.until:
        span = f"until {_when(w.until)}"
    else:
        span = "all time"
    if report.first:
        span += f" (requests {_when(report.first)} → {_when(report.last)})"
    filters = [f"model ~ {w.model!r}" if w.model else "", f"agent = {w.agent!r}" if w.agent else ""]
    extra = " · ".join(f for f in filters if f)
    return f"Usage by {report.by}, {span}" + (f" · {extra}" if extra else "") + " · times in UTC"


def _label(report: UsageReport, row: ReportRow) -> str:
    if report.by == "session":
        short = row.group[:8] if row.group else "-"
        return f"{short} {row.label}" if row.label else short
    if report.by == "week":
        return f"week of {row.group}"
    return row.group


def _cost(usage: AggregatedUsage) -> str:
    if usage.request_count and usage.unpriced_requests == usage.request_count:
        return "unknown"
    return format_usd(usage.total_cost_usd)


def print_report(report: UsageReport, console: Console | None = None) -> None:
    from rich.text import Text

    console = console or environment().table_console(highlight=False)
    if not report.rows:
        if report.empty_store:
            console.print("No usage recorded yet: no request has been made.")
        else:
            console.print(f"No requests match: {period_line(report).removeprefix(f'Usage by {report.by}, ')}")
        return
    console.print(Text(period_line(report), style="bold"))
    fitted = fit(_columns(report), console.width)
    print_table(console, fitted, total_row=True)
    notes = [left_out_note(fitted, "a wider window, --json or --csv shows them") or ""]
    est, unpriced = report.total.estimated_requests, report.total.unpriced_requests
    if est:
        notes.append(f"~ estimated: {_requests(est)} without counts from the provider (counted locally)")
    if unpriced:
        notes.append(
            f"unpriced: {_requests(unpriced)} with no known price, left out of the cost; "
            'set [prices."<model>"] in config.toml, then: appam usage --reprice'
        )
    for note in notes:
        if note:
            console.print(Text(note, style="dim"))
    _print_chart(report, console)


def _requests(n: int) -> str:
    return f"{n} request" + ("" if n == 1 else "s")


def _columns(report: UsageReport) -> list[Column]:
    """The report's columns, the group and the cost last to leave a narrow screen."""
    from rich.text import Text

    usages = [r.usage for r in report.rows] + [report.total]
    labels = [Text(_label(report, r)) for r in report.rows] + [Text("total")]

    def tokens(header: str, value, drop: int, *, estimated: bool = False) -> Column:
        values = [value(u) for u in usages]
        mark = ["~" if estimated and u.estimated_requests else "" for u in usages]
        idle = not any(values)  # a column of zeros goes first
        return Column(
            header,
            [m + f"{v:,}" for m, v in zip(mark, values, strict=True)],
            justify="right",
            drop=drop + (10 if idle else 0),
            short=[m + short_count(v) for m, v in zip(mark, values, strict=True)],
        )

    label_width = min(16, max(len(report.by), *(len(str(c)) for c in labels)))  # a date stays whole
    unpriced = [f"{u.unpriced_requests:,}" if u.unpriced_requests else "-" for u in usages]
    return [
        Column(report.by, labels, flex=True, min_width=min(label_width, 10), preferred=label_width, max_width=48),
        tokens("requests", lambda u: u.request_count, 3),
        tokens("input", lambda u: u.total_input_tokens, 2, estimated=True),
        tokens("output", lambda u: u.total_output_tokens, 1, estimated=True),
        tokens("cache read", lambda u: u.total_cache_read_tokens, 6),
        tokens("cache write", lambda u: u.total_cache_creation_tokens, 7),
        tokens("reasoning", lambda u: u.total_reasoning_tokens, 5),
        Column("cost", [_cost(u) for u in usages], justify="right"),
        # the unpriced count says the cost is not the whole story: it stays while it says so
        Column("unpriced", unpriced, justify="right", drop=0 if report.total.unpriced_requests else 20),
    ]


def bar(value: float, top: float, width: int) -> str:
    """A horizontal bar of ``value / top`` of ``width`` cells, in eighths of a cell."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


def _print_chart(report: UsageReport, console: Console) -> None:
    from rich.text import Text

    top = max(r.usage.total_cost_usd for r in report.rows)
    if top <= 0:
        console.print(Text("No priced requests: no cost chart.", style="dim"))
        return
    labels = [_label(report, r) for r in report.rows]
    costs = [_cost(r.usage) for r in report.rows]
    cost_width = max(len(c) for c in costs)
    room = console.width - cost_width - 4  # the label and the bar share what the cost leaves
    longest = max(len(label) for label in labels)
    label_width = max(min(10, longest), min(32, longest, room - 8))  # a date stays whole
    width = max(1, min(MAX_BAR, room - label_width))
    console.print()
    console.print(Text(f"Cost per {report.by}", style="bold"))
    chart = Text(no_wrap=True, overflow="ellipsis")  # one Text, not a Table: hundreds of days print fast
    for label, row, cost in zip(labels, report.rows, costs, strict=True):
        if len(label) > label_width:
            label = label[: label_width - 1] + "…"
        chart.append(f"{label:<{label_width}}  ")
        chart.append(f"{bar(row.usage.total_cost_usd, top, width):<{width}}", style="cyan")
        chart.append(f"  {cost:>{cost_width}}\n")
    chart.rstrip()
    console.print(chart)
