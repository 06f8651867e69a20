"""The terminal this process writes to, in one object (as httpie's ``Environment``).

Which standard streams are terminals, the width, colour (``NO_COLOR``), the Rich consoles,
and the lines every command prints between answers: ``notice`` (dim), ``warn`` and
``error`` (``appam:`` in yellow / red), all on stderr. The streams are read when asked,
not when the object is made, so a test runner that swaps ``sys.stdout`` is seen.

Cheap to import: Rich loads on the first console.
"""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

PIPE_WIDTH = 160  # tables written to a pipe or file keep whole cells


def is_terminal(stream: IO[Any] | None) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Environment:
    def __init__(self, stdin: IO[Any] | None = None, stdout: IO[Any] | None = None, stderr: IO[Any] | None = None):
        self._stdin, self._stdout, self._stderr = stdin, stdout, stderr

    @property
    def stdin(self) -> IO[Any]:
        return self._stdin if self._stdin is not None else sys.stdin

    @property
    def stdout(self) -> IO[Any]:
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> IO[Any]:
        return self._stderr if self._stderr is not None else sys.stderr

    @property
    def stdin_isatty(self) -> bool:
        return is_terminal(self.stdin)

    @property
    def stdout_isatty(self) -> bool:
        return is_terminal(self.stdout)

    @property
    def stderr_isatty(self) -> bool:
        return is_terminal(self.stderr)

    @property
    def interactive(self) -> bool:
        """Both stdin and stdout are terminals: someone can be asked, and a REPL shown."""
        return self.stdin_isatty and self.stdout_isatty

    @property
    def no_color(self) -> bool:
        return bool(os.environ.get("NO_COLOR"))

    @property
    def width(self) -> int:
        return self.console().width

    # -- consoles ---------------------------------------------------------------------

    def console(self, *, stderr: bool = False, **kwargs: Any) -> Console:
        """A Rich console on stdout (or stderr) that writes to the stream current at print time."""
        from rich.console import Console

        file = self._stderr if stderr else self._stdout
        return Console(file=file, stderr=stderr, highlight=False, soft_wrap=True, **kwargs)

    def table_console(self, **kwargs: Any) -> Console:
        """For tables on stdout: the terminal's width, or whole lines for a pipe or file
        (Rich would squeeze them into 80 columns), unless COLUMNS says otherwise."""
        from rich.console import Console

        wide = not self.stdout_isatty and not os.environ.get("COLUMNS")
        return Console(file=self._stdout, width=PIPE_WIDTH if wide else None, **kwargs)

    # -- lines between answers (stderr) ---------------------------------------------------

    def notice(self, text: str) -> None:
        self._line("[dim]{}[/]", text)

    def warn(self, text: str) -> None:
        self._line("[bold yellow]appam:[/] {}", text)

    def error(self, text: str) -> None:
        """One clear line for an expected failure."""
        self._line("[bold red]appam:[/] {}", text)

    def text(self, text: str) -> None:
        """Text on stderr that is not a message of appam's (an answer the store did not take): the
        exact characters for a pipe or a log, made safe on a terminal; newline-ended."""
        text = text if text.endswith("\n") else text + "\n"
        if self.stderr_isatty:
            from appam_cli.render.safe_text import safe_text

            text = safe_text(text)
        self.stderr.write(text)
        self.stderr.flush()

    def _line(self, markup: str, text: str) -> None:
        from rich.markup import escape

        # a terminal gets the line broken between words; a pipe or a log gets it whole
        self.console(stderr=True).print(markup.format(escape(text)), soft_wrap=not self.stderr_isatty)


_default = Environment()


def environment() -> Environment:
    """This process's environment (its real standard streams)."""
    return _default
