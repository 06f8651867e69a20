"""The bottom toolbar: model · session · tokens and cost so far · context used of the window.

``openai/gpt-4o-mini │ session 1a2b3c4d │ 1,234 tokens · $0.0004 │ context 2.1k / 128k (2%)``

On a narrow screen it gives way part by part (`toolbar_text`); the cost and the
context used stay to the last.

The context part is hidden when the model's window is unknown (a model missing
from litellm's bundled price map) or while that map is still loading.
"""

from __future__ import annotations

from appam_cli.repl.state import ChatState

SEPARATOR = "  │  "
NARROW = " │ "


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


def toolbar_text(state: ChatState, width: int | None = None) -> str:
    """The toolbar for a screen ``width`` cells wide (None: no limit).

    When it does not fit, it gives way in this order, the cost and the context used last:
    narrower separators, the token count shortened, the session id, the token count,
    a shorter context, the model name (cut, then gone).
    """
    session = state.session
    model = state.model
    if session.messages:
        where = f"session {session.session_id[:8]}" + ("" if state.options.save else " (not saved)")
    else:
        where = "new session"
    usage = session.usage
    spent = usage is not None and bool(usage.request_count)
    tokens = f"{usage.total_tokens():,} tokens" if spent and usage else None
    short_tokens = f"{compact(usage.total_tokens())} tokens" if spent and usage else None
    cost = usage.cost_display() if spent and usage else None
    window = state.context_window() if session.messages else None
    context = short_context = None
    if window:
        used, estimated = state.context_used()
        approx = "~" if estimated else ""
        context = f"context {approx}{compact(used)} / {compact(window)} ({used / window:.0%})"
        short_context = f"ctx {approx}{compact(used)}/{compact(window)}"

    def line(sep: str, *parts: str | None) -> str:
        return " " + sep.join(p for p in parts if p) + " "

    def spend(count: str | None) -> str | None:
        return " · ".join(p for p in (count, cost) if p) or None

    variants = [
        line(SEPARATOR, model, where, spend(tokens), context),
        line(NARROW, model, where, spend(tokens), context),
        line(NARROW, model, where, spend(short_tokens), context),
        line(NARROW, model, spend(tokens), context),
        line(NARROW, model, spend(short_tokens), context),
        line(NARROW, model, spend(None), context),
        line(NARROW, model, spend(None), short_context),
    ]
    if width is None:
        return variants[0]
    for text in variants:
        if len(text) <= width:
            return text
    rest = line(NARROW, spend(None), short_context)  # what stays, and the model in what is left
    room = width - len(rest) - len(NARROW)
    if room >= 8:
        cut = model if len(model) <= room else model[: room - 1] + "…"
        return line(NARROW, cut, spend(None), short_context)
    return rest if len(rest) <= width else line(NARROW, spend(None) or short_context)
