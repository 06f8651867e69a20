"""Rendering for the terminal: the streamed answer, plus the lists and footers.

`make_view` picks the answer view once, at the edge (like httpie's output streams):
`PlainView` when stdout is not a terminal or ``--raw`` was given, otherwise the live
Markdown view. Every view has the same methods: ``start()``, ``reasoning(delta)``,
``content(delta)``, ``tool_call(name, arguments)``, ``finish()``,
``abort(note=None)``, and works as a context manager.

Importing this package stays cheap: Rich (and ``rich.markdown``) load only when a
live view is made.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from appam_cli.render.environment import environment
from appam_cli.render.plain import PlainView

if TYPE_CHECKING:
    from rich.console import Console

    from appam_cli.render.live import LiveMarkdownView


class AnswerView(Protocol):
    def start(self) -> None: ...
    def reasoning(self, delta: str) -> None: ...
    def content(self, delta: str) -> None: ...
    def tool_call(self, name: str, arguments: str) -> None: ...
    def tool_result(self, outcome: dict[str, Any]) -> None: ...
    def paused(self) -> AbstractContextManager[Any]: ...
    def finish(self) -> None: ...
    def abort(self, note: str | None = None) -> None: ...


def make_view(
    raw: bool,
    show_reasoning: bool = True,
    *,
    console: Console | None = None,
    verbose: bool = False,
    tools: bool = False,
) -> PlainView | LiveMarkdownView:
    """The answer view for this process's stdout.

    In plain mode reasoning goes to stderr (dim), and only when ``show_reasoning``
    and stderr is a terminal: a pipe or file on stdout gets the answer alone. Tool calls
    and results go to stderr too: when it is a terminal, or with ``verbose`` (everything).
    With ``tools`` stdout (a pipe, a file, or a terminal with ``raw``) gets the final answer only:
    the text of an answer that calls tools goes to stderr with its calls.
    """
    env = environment()
    if raw or not env.stdout_isatty:
        return PlainView(
            show_reasoning=show_reasoning and env.stderr_isatty,
            show_tools=env.stderr_isatty or verbose,
            verbose=verbose,
            hold=tools,  # with --raw on a terminal too: stdout gets the final answer only
        )
    from rich.console import Console

    from appam_cli.render.live import LiveMarkdownView

    return LiveMarkdownView(console if console is not None else Console(), show_reasoning, verbose=verbose)


__all__ = ["AnswerView", "PlainView", "make_view"]
