"""A tool call and its result as the answer views show them (given data only).

Compact by default: ``⚙ read_file({"path": "README.md"})`` on one line (cut to the width), then
``  ↳ ok · 12 ms`` and the result's first lines. ``verbose``: every argument (pretty JSON) and
the whole result. Plain text lines: the live view styles them, the plain view writes them to stderr.
"""

from __future__ import annotations

import json
from typing import Any

RESULT_LINES = 3  # lines of a result shown without --verbose
ARGS_CHARS = 500  # characters of the arguments shown without --verbose (the live view cuts to the width)


def call_lines(name: str, arguments: str, verbose: bool = False) -> list[str]:
    """The lines that show a call before it runs."""
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        parsed = None
    if verbose:
        if isinstance(parsed, dict) and parsed:
            body = json.dumps(parsed, indent=2, ensure_ascii=False).splitlines()
            return [f"⚙ {name}", *("  " + line for line in body)]
        return [f"⚙ {name}({arguments})"]
    return [f"⚙ {name}({_short(' '.join(arguments.split()), ARGS_CHARS)})"]


def result_lines(outcome: dict[str, Any], verbose: bool = False) -> tuple[str, list[str]]:
    """(the status line, the result's lines to show under it)."""
    status = str(outcome.get("status") or "ok")
    head = f"  ↳ {status} · {duration(int(outcome.get('duration_ms') or 0))}"
    lines = str(outcome.get("content") or "").rstrip().splitlines()
    if verbose or len(lines) <= RESULT_LINES:
        return head, ["    " + line for line in lines]
    more = len(lines) - RESULT_LINES
    shown = ["    " + _short(line, 200) for line in lines[:RESULT_LINES]]
    return head, [*shown, f"    … {more} more line{'s' if more != 1 else ''} (--verbose shows all)"]


def duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
