"""The callbacks a caller can hang on a running turn (the StreamBuilder's hooks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _noop(*_args: Any) -> None:
    return None


@dataclass
class Callbacks:
    on_content: Callable[[str], None] = _noop
    on_reasoning: Callable[[str], None] = _noop
    on_tool_call: Callable[[dict[str, Any]], None] = _noop
    on_tool_result: Callable[[dict[str, Any]], None] = _noop  # ToolOutcome.to_dict(), every call
    on_tool_error: Callable[[dict[str, Any]], None] = _noop  # the same, for a call that failed or timed out
    on_retry: Callable[[int, float, str], None] = _noop
    on_notice: Callable[[str], None] = _noop  # e.g. an option the model ignores, before the request
    on_error: Callable[[str], None] = _noop
    on_done: Callable[[], None] = _noop
