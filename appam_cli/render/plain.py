"""Plain output: the answer text exactly as it arrives (pipes, files, ``--raw``).

stdout gets the answer and nothing else, plus one final newline when the text did
not end with one. Reasoning, tool calls and notes go to stderr, and only reasoning
and tool calls when asked for (``show_reasoning``); dim when stderr is a terminal.

A pipe or a file gets the bytes as they came. A terminal never does: there control
characters are shown visibly (`safe_text`), on stdout and on stderr alike.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from appam_cli.render.environment import is_terminal
from appam_cli.render.safe_text import SafeStream, safe_text
from appam_cli.render.tool_blocks import call_lines, result_lines
from appam_cli.render.view_context import ViewContext

_DIM, _RESET = "\x1b[2m", "\x1b[0m"


class PlainView(ViewContext):
    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        err: TextIO | None = None,
        show_reasoning: bool = False,
        show_tools: bool | None = None,
        verbose: bool = False,
        hold: bool = False,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.show_reasoning = show_reasoning
        # Tool calls and results go to stderr only, never stdout (a pipe gets the final answer alone).
        self.show_tools = show_reasoning if show_tools is None else show_tools
        self.verbose = verbose
        # With tools, an answer's text waits until it is known to be the final one: the text of an
        # answer that calls tools goes to stderr with the calls (a pipe gets the final answer alone).
        self.hold = hold
        self._held: list[str] = []
        self._last = ""  # last character written to stream
        self._err_last = "\n"  # last character written to err
        self._dim = is_terminal(self.err)
        self._safe_out = SafeStream() if is_terminal(self.stream) else None
        self._safe_err = SafeStream() if self._dim else None

    def start(self) -> None:
        pass

    def content(self, delta: str) -> None:
        if delta and self.hold:
            self._held.append(delta)
        elif delta:
            if self._err_last != "\n":  # reasoning ended: close its line on stderr
                self._note("", end="\n")
            self.stream.write(delta if self._safe_out is None else self._safe_out.feed(delta))
            self.stream.flush()
            self._last = delta[-1]

    def reasoning(self, delta: str) -> None:
        if delta and self.show_reasoning:
            self._note(delta if self._safe_err is None else self._safe_err.feed(delta), end="")

    def tool_call(self, name: str, arguments: str) -> None:
        held, self._held = "".join(self._held), []
        if held.strip() and self.show_tools:  # not the final answer: beside the calls it led to
            self._note(held.strip("\n") if self._safe_err is None else safe_text(held.strip("\n")))
        if self.show_tools:
            if self.verbose:
                line = "\n".join(call_lines(name, arguments, True))
            else:
                line = f"⚙ {name}({' '.join(arguments.split())})"
            self._note(line if self._safe_err is None else safe_text(line))

    def tool_result(self, outcome: dict[str, Any]) -> None:
        if self.show_tools:
            head, lines = result_lines(outcome, self.verbose)
            text = "\n".join([head, *lines])
            self._note(text if self._safe_err is None else safe_text(text))

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing to stop: plain output only ever appends."""
        self.stream.flush()
        yield

    def finish(self) -> None:
        self._release()
        self._end_line()

    def abort(self, note: str | None = None) -> None:
        self._release()
        self._end_line()
        if note:
            self._note(note if self._safe_err is None else safe_text(note))

    def _release(self) -> None:
        """The held text is the last answer's: it goes to stdout."""
        held, self._held, self.hold = "".join(self._held), [], False
        self.content(held)

    def _end_line(self) -> None:
        if self._safe_out is not None and (held := self._safe_out.close()):
            self.stream.write(held)
        if self._last and self._last != "\n":
            self.stream.write("\n")
            self._last = "\n"
        self.stream.flush()

    def _note(self, text: str, end: str = "\n") -> None:
        """Write to err, starting on a fresh line unless continuing a reasoning stream."""
        if text and end and self._err_last != "\n":
            text = "\n" + text
        self.err.write(f"{_DIM}{text}{_RESET}{end}" if self._dim and text else text + end)
        self.err.flush()
        self._err_last = (text + end)[-1:] or self._err_last
