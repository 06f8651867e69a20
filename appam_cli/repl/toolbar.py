"""The bottom toolbar: model · session · tokens and cost so far · context used of the window.

``openai/gpt-4o-mini │ session 1a2b3c4d │ 1,234 tokens · $0.0004 │ context 2.1k / 128k (2%)``

The context part is hidden when the model's window is unknown (a model missing
from litellm's bundled price map) or while that map is still loading.
"""

from __future__ import annotations

from appam_cli.repl.state import ChatState

SEPARATOR = "  │  "


def compact(n: int) -> str:
    """1234 -> 1.2k, 128000 -> 128k, 1048576 -> 1M."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        value, unit = n / 1000, "k"
    else:
        value, unit = n / 1_000_000, "M"
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return text.removesuffix(".0") + unit


def toolbar_text(state: ChatState) -> str:
    session = state.session
    parts = [state.model]
    if session.messages:
        parts.append(f"session {session.session_id[:8]}" + ("" if state.options.save else " (not saved)"))
    else:
        parts.append("new session")
    usage = session.usage
    if usage is not None and usage.request_count:
        parts.append(f"{usage.total_tokens():,} tokens · {usage.cost_display()}")
    window = state.context_window() if session.messages else None
    if window:
        used, estimated = state.context_used()
        parts.append(f"context {'~' if estimated else ''}{compact(used)} / {compact(window)} ({used / window:.0%})")
    return " " + SEPARATOR.join(parts) + " "
