"""A saved session as the user reads it: a header, then the numbered messages.

Two forms: ``render_rich`` (user and assistant turns as Markdown, reasoning dim,
tool calls and results as compact blocks) and ``render_plain`` (the same layout
as plain text, for ``--raw`` and pipes). Both write to a Rich Console the caller
owns, so the command can capture the output and decide on a pager.

Reasoning has three modes: shown in full (``--reasoning``), hidden
(``--no-reasoning``) or, by default, folded to one line saying how long it is.
Messages are numbered from 1 as ``sessions fork --at N`` counts them.

What a session holds is data: ``render_rich`` (a terminal) shows its control
characters visibly (`safe_text`) and draws Markdown links as ``text (address)``;
``render_plain`` does the same when ``safe`` (``--raw`` on a terminal) and
otherwise writes the content exactly as stored (a pipe or a file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel import ChatMessage, Session
from appam_cli.render.safe_text import safe_text

TOOL_RESULT_LINES = 6
TOOL_ARGS_CHARS = 300


@dataclass
class TranscriptView:
    """What to show besides the session itself (the store knows these, the Session does not)."""

    first_number: int = 1  # the number of the first message shown (>1 with --last N)
    total_messages: int | None = None
    models: list[str] = field(default_factory=list)
    parent_title: str | None = None  # of the parent it was forked from: None when deleted, "" untitled
    reasoning: bool | None = None  # True: full, False: hidden, None: folded to one line


def local_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def header_rows(session: Session, view: TranscriptView) -> list[tuple[str, str]]:
    rows = [("title", session.title or "-"), ("id", session.session_id)]
    if session.parent_id:
        if view.parent_title is None:
            parent = f"{session.parent_id} (deleted)"
        elif view.parent_title == "":
            parent = session.parent_id
        else:
            parent = f"{session.parent_id} ({view.parent_title})"
        rows.append(("forked from", parent))
    models = view.models or [session.model]
    rows += [
        ("agent", session.agent_name),
        ("model" if len(models) == 1 else "models", ", ".join(models)),
        *_api_base_row(session),
        ("started", local_time(session.started_at)),
        ("ended", local_time(session.ended_at)),
        ("status", session.status),
        ("usage", session.usage.format_display() if session.usage else "no usage recorded"),
    ]
    total = view.total_messages if view.total_messages is not None else len(session.messages)
    shown = len(session.messages)
    rows.append(("messages", f"{total}" if shown == total else f"{total} (showing the last {shown})"))
    return rows


def _api_base_row(session: Session) -> list[tuple[str, str]]:
    if session.profile:
        return [("api base", f"{session.api_base or '-'} (provider profile {session.profile})")]
    if session.api_base:
        return [("api base", session.api_base)]
    if session.imported_api_base:
        sid = session.session_id[:8]
        return [("api base", f"{session.imported_api_base} (from an imported file: not used until you run "
                             f"appam sessions confirm-api-base {sid}, or pass --api-base)")]
    return []


def _label(m: ChatMessage, number: int) -> str:
    label = f"#{number} {m.role}"
    if m.role == "assistant" and m.model:
        label += f" · {m.model}"
    if m.role == "tool" and m.name:
        label += f" · {m.name}"
    if m.status != "completed":
        label += f" ({m.status})"
    return label


def _folded_reasoning(text: str) -> str:
    words = len(text.split())
    return f"▸ reasoning: {words:,} word{'s' if words != 1 else ''} (--reasoning to show)"


def _call_line(call: dict[str, Any]) -> str:
    fn = call.get("function") or {}
    args = " ".join(str(fn.get("arguments") or "").split())
    if len(args) > TOOL_ARGS_CHARS:
        args = args[: TOOL_ARGS_CHARS - 1] + "…"
    return f"⚙ {fn.get('name') or '?'}({args})"


def _tool_result(text: str) -> tuple[str, int]:
    """The first lines of a tool result and how many more there were."""
    lines = text.rstrip().splitlines()
    return "\n".join(lines[:TOOL_RESULT_LINES]), max(0, len(lines) - TOOL_RESULT_LINES)


# -- rich ---------------------------------------------------------------------------------


def render_rich(console, session: Session, view: TranscriptView) -> None:
    from rich.markdown import Markdown
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in header_rows(session, view):
        grid.add_row(key, Text(safe_text(value)))
    console.print(grid)
    styles = {"user": "bold cyan", "assistant": "bold magenta", "system": "bold yellow", "tool": "bold green"}
    for offset, m in enumerate(session.messages):
        console.print()
        label = Text(safe_text(_label(m, view.first_number + offset)), style=styles.get(m.role, "bold"))
        console.print(Rule(label, align="left"))
        if m.reasoning and view.reasoning is not False:
            if view.reasoning:
                console.print(Text("▾ reasoning", style="dim"))
                console.print(Padding(Text(safe_text(m.reasoning.strip()), style="dim italic"), (0, 0, 1, 2)))
            else:
                console.print(Text(_folded_reasoning(m.reasoning), style="dim"))
        if m.content:
            if m.role == "tool":
                shown, more = _tool_result(m.content)
                block = Text(safe_text(shown), style="dim")
                if more:
                    block.append(f"\n… {more} more line{'s' if more != 1 else ''}", style="dim italic")
                console.print(Padding(block, (0, 0, 0, 2)))
            elif m.role == "system":
                console.print(Text(safe_text(m.content.strip()), style="italic"))
            else:
                console.print(Markdown(safe_text(m.content), hyperlinks=False))
        for call in m.tool_calls or []:
            console.print(Text(safe_text(_call_line(call)), style="dim"), overflow="ellipsis", no_wrap=True)


# -- plain --------------------------------------------------------------------------------


def render_plain(console, session: Session, view: TranscriptView, *, safe: bool = False) -> None:
    """Plain text: no styles, no Markdown; content exactly as stored, unless ``safe``
    (for a terminal): then control characters are shown visibly."""
    width = max(len(k) for k, _ in header_rows(session, view))
    out: list[str] = [f"{k + ':':<{width + 1}} {v}" for k, v in header_rows(session, view)]
    for offset, m in enumerate(session.messages):
        out.append("")
        out.append(f"### {_label(m, view.first_number + offset)}")
        out.append("")
        if m.reasoning and view.reasoning is not False:
            if view.reasoning:
                out += ["[reasoning]", m.reasoning.strip(), "[/reasoning]", ""]
            else:
                out += [_folded_reasoning(m.reasoning), ""]
        if m.content:
            if m.role == "tool":
                shown, more = _tool_result(m.content)
                out.append(shown)
                if more:
                    out.append(f"… {more} more line{'s' if more != 1 else ''}")
            else:
                out.append(m.content.rstrip())
        for call in m.tool_calls or []:
            out.append(_call_line(call))
    text = "\n".join(out)
    console.out(safe_text(text) if safe else text, highlight=False)
