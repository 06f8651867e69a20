"""StreamBuilder: attach callbacks to a run, then ``.run()`` it to get the Session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from appam_cli.agent.callbacks import Callbacks
from appam_cli.datamodel import Session

if TYPE_CHECKING:
    from appam_cli.agent.agent import Agent


class StreamBuilder:
    def __init__(self, agent: Agent, prompt: str | None, session: Session | None = None) -> None:
        self._agent = agent
        self._prompt = prompt
        self._session = session
        self._callbacks = Callbacks()

    def _set(self, name: str, fn: Callable[..., Any]) -> StreamBuilder:
        setattr(self._callbacks, name, fn)
        return self

    def on_content(self, fn: Callable[[str], Any]) -> StreamBuilder:
        return self._set("on_content", fn)

    def on_reasoning(self, fn: Callable[[str], Any]) -> StreamBuilder:
        return self._set("on_reasoning", fn)

    def on_tool_call(self, fn: Callable[[dict[str, Any]], Any]) -> StreamBuilder:
        return self._set("on_tool_call", fn)

    def on_tool_result(self, fn: Callable[[dict[str, Any]], Any]) -> StreamBuilder:
        return self._set("on_tool_result", fn)

    def on_tool_error(self, fn: Callable[[dict[str, Any]], Any]) -> StreamBuilder:
        return self._set("on_tool_error", fn)

    def on_retry(self, fn: Callable[[int, float, str], Any]) -> StreamBuilder:
        return self._set("on_retry", fn)

    def on_notice(self, fn: Callable[[str], Any]) -> StreamBuilder:
        return self._set("on_notice", fn)

    def on_error(self, fn: Callable[[str], Any]) -> StreamBuilder:
        return self._set("on_error", fn)

    def on_done(self, fn: Callable[[], Any]) -> StreamBuilder:
        return self._set("on_done", fn)

    def run(self) -> Session:
        return self._agent.execute(self._prompt, self._session, self._callbacks)
