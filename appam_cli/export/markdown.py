"""A session as a Markdown document: a metadata header, then the transcript.

User and assistant text is Markdown already and goes in as is; reasoning sits in a
collapsible ``<details>`` block; tool calls and results are fenced code blocks, with a fence
longer than any backtick run inside them so nothing can break out of the block.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from appam_cli.datamodel import ChatMessage, Session

_ROLE_NAMES = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool result"}


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _fence(text: str, lang: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _models(session: Session) -> str:
    seen: list[str] = []
    for m in session.messages:
        if m.model and m.model not in seen:
            seen.append(m.model)
    return ", ".join(f"`{m}`" for m in (seen or [session.model]) if m) or "-"


def _header(session: Session) -> list[str]:
    lines = [
        f"# {' '.join((session.title or 'Untitled session').split())}",
        "",
        f"- **Session:** `{session.session_id}`",
    ]
    if session.parent_id:
        lines.append(f"- **Forked from:** `{session.parent_id}`")
    lines += [
        f"- **Agent:** {session.agent_name}",
        f"- **Model:** {_models(session)}",
        f"- **Started:** {_when(session.started_at)}",
        f"- **Ended:** {_when(session.ended_at)}",
        f"- **Status:** {session.status}",
        f"- **Usage:** {session.usage.format_display() if session.usage else '-'}",
        f"- **Messages:** {len(session.messages)}",
    ]
    return lines


def _arguments(raw: str | None) -> str:
    try:
        return json.dumps(json.loads(raw or "{}"), ensure_ascii=False, indent=2)
    except ValueError:
        return raw or ""


def _message(message: ChatMessage) -> list[str]:
    title = _ROLE_NAMES[message.role]
    if message.role == "tool" and message.name:
        title += f" · `{message.name}`"
    if message.role == "assistant" and message.model:
        title += f" · `{message.model}`"
    if message.status != "completed":
        title += f" · *{message.status}*"
    lines = [f"## {title}", "", f"*{_when(message.timestamp)}*", ""]
    if message.reasoning:
        lines += ["<details><summary>Reasoning</summary>", "", message.reasoning.strip(), "", "</details>", ""]
    if message.role == "tool":
        if message.tool_call_id:
            lines += [f"Result of call `{message.tool_call_id}`:", ""]
        lines += [_fence(message.content or ""), ""]
    elif message.content:
        lines += [message.content.strip(), ""]
    for call in message.tool_calls or []:
        fn = call.get("function") or {}
        ident = f" (`{call['id']}`)" if call.get("id") else ""
        lines += [
            f"**Tool call** `{fn.get('name', '?')}`{ident}:",
            "",
            _fence(_arguments(fn.get("arguments")), "json"),
            "",
        ]
    return lines


def session_markdown(session: Session) -> str:
    lines = _header(session) + [""]
    for message in session.messages:
        lines += _message(message)
    return "\n".join(lines).rstrip("\n") + "\n"
