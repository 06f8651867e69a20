"""The table of saved sessions. Titles (and names) are data: control characters in
them are shown visibly (`safe_text`), never written raw."""

from __future__ import annotations

from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.render.environment import environment
from appam_cli.render.safe_text import safe_text


def relative_time(summary_time) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``6d ago``; older than a week: the local date."""
    from appam_cli.datamodel.times import utcnow

    if summary_time is None:
        return "-"
    seconds = (utcnow() - summary_time).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds >= 7 * 86400:
        return summary_time.astimezone().strftime("%Y-%m-%d")
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "-"


def print_session_list(summaries: list[SessionSummary], total: int, *, filtered: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    console = environment().table_console()
    if not summaries:
        if filtered:
            console.print("No sessions match these filters.")
        else:
            console.print('No saved sessions yet. Start one with: appam run "PROMPT"')
        return
    columns = ["id", "title", "agent", "model", "msgs", "tokens", "cost", "status", "updated"]
    rows = [_cells(s) for s in summaries]
    widths = _natural_widths(columns, rows)
    # Room for the titles first: leave out the status and agent columns when they say
    # nothing (every session completed, every one by the default agent), then cut long
    # model names; what is left goes to the title.
    wanted = min(40, widths["title"])
    for name, usual in (("status", "completed"), ("agent", "default")):
        if _total(widths, wanted) > console.width and all(r[columns.index(name)] == usual for r in rows):
            i = columns.index(name)
            columns.pop(i)
            del widths[name]
            for r in rows:
                r.pop(i)
    widths["model"] = max(16, min(widths["model"], widths["model"] - (_total(widths, 12) - console.width)))
    title_width = max(8, min(60, widths["title"], console.width - _total(widths, 0)))
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in columns:
        table.add_column(
            name,
            style="cyan" if name == "id" else None,
            min_width=8 if name == "id" else None,  # an id you can copy
            justify="right" if name in ("msgs", "tokens", "cost") else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=title_width if name == "title" else widths["model"] if name == "model" else None,
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # Text, not str: a title like "[/]" is not markup
    console.print(table)
    if total > len(summaries):
        console.print(f"[dim]{len(summaries)} of {total} sessions; -n N or --all for more[/]", highlight=False)


def _cells(s: SessionSummary) -> list[str]:
    usage = s.usage
    return [
        safe_text(s.session_id[:8]),
        safe_text(" ".join((s.title or "").split())),
        safe_text(s.agent_name),
        safe_text(s.model),
        str(s.message_count),
        compact_count(usage.total_tokens()),
        usage.cost_display() if usage.request_count else "-",
        s.status,
        relative_time(s.updated_at),
    ]


def compact_count(n: int) -> str:
    """``5,426``; ``603k``; ``56.5M``: at most six characters."""
    if n < 100_000:
        return f"{n:,}"
    if n < 10_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def _natural_widths(columns: list[str], rows: list[list[str]]) -> dict[str, int]:
    widths = {name: max(len(name), *(len(r[i]) for r in rows)) for i, name in enumerate(columns)}
    widths["model"] = min(widths["model"], 32)
    return widths


def _total(widths: dict[str, int], title: int) -> int:
    """The table's width with the title column ``title`` wide (two spaces between columns)."""
    return sum(w for name, w in widths.items() if name != "title") + title + 2 * (len(widths) - 1)
