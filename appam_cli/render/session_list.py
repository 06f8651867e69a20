"""The table of saved sessions. Titles (and names) are data: control characters in
them are shown visibly (`safe_text`), never written raw."""

from __future__ import annotations

from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.render.columns import Column, fit, left_out_note, print_table, short_count
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
    from rich.text import Text

    console = environment().table_console()
    if not summaries:
        if filtered:
            console.print("No sessions match these filters.")
        else:
            console.print('No saved sessions yet. Start one with: appam run "PROMPT"')
        return
    fitted = fit(_columns(summaries), console.width)
    print_table(console, fitted)
    note = left_out_note(fitted, "a wider window or --json shows them")
    if note:
        console.print(Text(note, style="dim"))
    if total > len(summaries):
        console.print(f"[dim]{len(summaries)} of {total} sessions; -n N or --all for more[/]", highlight=False)


def _columns(summaries: list[SessionSummary]) -> list[Column]:
    """Id, title and cost stay; on a narrow screen the others leave, the least telling first
    (status and agent before anything when they say nothing: all completed, all default)."""
    rows = [(s, s.usage) for s in summaries]
    statuses = [s.status for s in summaries]
    agents = [safe_text(s.agent_name) for s in summaries]
    tokens = [u.total_tokens() for _, u in rows]
    return [
        Column("id", [safe_text(s.session_id[:8]) for s in summaries], style="cyan"),  # an id you can copy
        Column(
            "title", [safe_text(" ".join((s.title or "").split())) for s in summaries],
            flex=True, min_width=8, preferred=20, max_width=60,
        ),
        Column("agent", agents, drop=20, telling=False) if all(a == "default" for a in agents)
        else Column("agent", agents, drop=5),
        Column(
            "model", [safe_text(s.model) for s in summaries], flex=True, min_width=12, preferred=16,
            max_width=32, drop=6,
        ),
        Column("msgs", [f"{s.message_count:,}" for s in summaries], justify="right", drop=7,
               short=[short_count(s.message_count) for s in summaries]),
        Column("tokens", [f"{n:,}" for n in tokens], justify="right", drop=2, short=[short_count(n) for n in tokens]),
        Column("cost", [u.cost_display() if u.request_count else "-" for _, u in rows], justify="right"),
        Column("status", statuses, drop=21, telling=False) if all(st == "completed" for st in statuses)
        else Column("status", statuses, drop=4),
        Column("updated", [relative_time(s.updated_at) for s in summaries], drop=3),
    ]

