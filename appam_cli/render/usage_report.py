"""``appam usage`` output: a Rich table with a totals row and a cost bar chart, or CSV / JSON."""

from __future__ import annotations

import csv
import json
from typing import IO, TYPE_CHECKING

from appam_cli.datamodel.usage import AggregatedUsage, format_usd
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


def _tokens(value: int, usage: AggregatedUsage) -> str:
    return ("~" if usage.estimated_requests else "") + f"{value:,}"


def _cost(usage: AggregatedUsage) -> str:
    if usage.request_count and usage.unpriced_requests == usage.request_count:
        return "unknown"
    return format_usd(usage.total_cost_usd)


def print_report(report: UsageReport, console: Console | None = None) -> None:
    from rich.table import Table
    from rich.text import Text

    console = console or environment().table_console(highlight=False)
    if not report.rows:
        if report.empty_store:
            console.print("No usage recorded yet: no request has been made.")
        else:
            console.print(f"No requests match: {period_line(report).removeprefix(f'Usage by {report.by}, ')}")
        return
    console.print(Text(period_line(report), style="bold"))
    cells = [_cells(_label(report, row), row.usage) for row in report.rows]
    total = _cells("total", report.total)
    table = Table(box=None, header_style="bold", pad_edge=False, show_footer=False)
    label_width = min(16, max(len(report.by), *(len(str(c[0])) for c in cells)))  # a date stays whole
    table.add_column(report.by, no_wrap=True, overflow="ellipsis", min_width=label_width, max_width=48)
    names = ("requests", "input", "output", "cache read", "cache write", "reasoning", "cost", "unpriced")
    for i, name in enumerate(names, start=1):  # figures never shrink; the group label does
        width = max(len(name), len(str(total[i])), *(len(str(c[i])) for c in cells))
        table.add_column(name, justify="right", no_wrap=True, min_width=width)
    for i, row_cells in enumerate(cells):
        table.add_row(*row_cells, end_section=i == len(cells) - 1)
    table.add_row(*total, style="bold")
    console.print(table)
    notes = []
    est, unpriced = report.total.estimated_requests, report.total.unpriced_requests
    if est:
        notes.append(f"~ estimated: {_requests(est)} without counts from the provider (counted locally)")
    if unpriced:
        notes.append(
            f"unpriced: {_requests(unpriced)} with no known price, left out of the cost; "
            'set [prices."<model>"] in config.toml, then: appam usage --reprice'
        )
    for note in notes:
        console.print(Text(note, style="dim"))
    _print_chart(report, console)


def _requests(n: int) -> str:
    return f"{n} request" + ("" if n == 1 else "s")


def _cells(label: str, u: AggregatedUsage) -> list:
    from rich.text import Text

    return [
        Text(label),
        f"{u.request_count:,}",
        _tokens(u.total_input_tokens, u),
        _tokens(u.total_output_tokens, u),
        f"{u.total_cache_read_tokens:,}",
        f"{u.total_cache_creation_tokens:,}",
        f"{u.total_reasoning_tokens:,}",
        _cost(u),
        f"{u.unpriced_requests:,}" if u.unpriced_requests else "-",
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
    label_width = min(32, max(len(label) for label in labels))
    costs = [_cost(r.usage) for r in report.rows]
    cost_width = max(len(c) for c in costs)
    width = max(8, min(MAX_BAR, console.width - label_width - cost_width - 4))
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
