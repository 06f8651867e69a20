"""The live answer view when the terminal gets narrower mid-stream (issue 13, item 6).

A terminal that reflows (tmux, VTE, kitty, iTerm2…) re-wraps the rows already on screen when
it gets narrower, so the live region Rich drew at 140 columns takes more rows at 60: redrawing
only as many rows as Rich drew left a duplicated, badly wrapped copy of the answer above the
redraw. ``ReflowTerminal`` is a pyte screen that reflows the way tmux does (the cursor keeps
its row; rows pushed above the top go to the scrollback); ``tests/render_driver.py`` streams an
answer into it through a pseudo-terminal that is resized while a paragraph is still live.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pyte
import pytest

pytestmark = pytest.mark.e2e  # a pseudo-terminal, resized while the answer streams

DRIVER = str(Path(__file__).with_name("render_driver.py"))
ROWS = 40
MARKERS = ("Resizing", "Alpha", "Bravo", "Charlie", "Delta")  # each is written once in the answer
ANSWER = """## Resizing

Alpha one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen \
eighteen nineteen twenty twentyone twentytwo twentythree.

Bravo one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen \
eighteen nineteen twenty twentyone twentytwo twentythree twentyfour twentyfive twentysix twentyseven twentyeight \
twentynine thirty thirtyone thirtytwo thirtythree thirtyfour thirtyfive thirtysix thirtyseven thirtyeight thirtynine.
Charlie continues the same paragraph with more words so that it stays live for a long while: delta echo foxtrot \
golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey.

- a list item that is long enough to be wrapped at sixty columns, once the window is narrower
- a second item

Delta done.
"""


def row_text(line, columns: int) -> str:
    chars, wide = [], False
    for x in range(columns):
        if wide:
            wide = False
            continue
        char = line[x].data
        wide = pyte.screens.wcwidth(char[:1]) == 2
        chars.append(char)
    return "".join(chars).rstrip()


class ReflowTerminal:
    """A terminal screen with a scrollback that re-wraps its rows when it gets narrower, as tmux
    does: each row is one line (the view never writes a line wider than the screen), the cursor
    stays on its row, and the rows that no longer fit above it go into the scrollback."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.scrollback: list[str] = []
        self.screen = pyte.HistoryScreen(columns, rows, history=100_000)
        self.stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def lines(self) -> list[str]:
        """Everything: the scrollback, then the screen."""
        old = [row_text(line, self.columns) for line in self.screen.history.top]
        shown = [row_text(self.screen.buffer[y], self.columns) for y in range(self.rows)]
        return self.scrollback + old + shown

    def narrow(self, columns: int, *, reflow: bool = True) -> None:
        """Narrower: re-wrapped as tmux does, or (``reflow=False``, as xterm) each row cut."""
        self.scrollback += [row_text(line, self.columns) for line in self.screen.history.top]
        x, y = self.screen.cursor.x, self.screen.cursor.y
        if not reflow:
            rows = [row_text(self.screen.buffer[i], self.columns)[:columns] for i in range(self.rows)]
            self._replace(columns, rows, y, min(x, columns - 1))
            return
        rows: list[str] = []
        cursor_row = 0
        for index in range(self.rows):
            text = row_text(self.screen.buffer[index], self.columns)
            pieces = [text[i : i + columns] for i in range(0, len(text), columns)] or [""]
            if index == y:
                cursor_row = len(rows) + x // columns
                pieces += [""] * (x // columns + 1 - len(pieces))
            rows += pieces
        top = max(0, cursor_row - y)  # the cursor keeps its row: what is above the top scrolls away
        self.scrollback += rows[:top]
        self._replace(columns, rows[top : top + self.rows], cursor_row - top, x % columns)

    def _replace(self, columns: int, rows: list[str], y: int, x: int) -> None:
        self.columns = columns
        self.screen = pyte.HistoryScreen(columns, self.rows, history=100_000)
        self.stream = pyte.ByteStream(self.screen)
        self.stream.feed("\r\n".join(rows).encode())
        self.stream.feed(f"\x1b[{y + 1};{x + 1}H".encode())


def stream_and_narrow(tmp_path: Path, before: int, after: int, *, filler: int, xterm: bool = False) -> list[str]:
    """Stream ANSWER in a ``before``-column pty (``filler`` lines already on screen), narrow it to
    ``after`` columns while the Bravo paragraph is live, and return every line at the end."""
    answer = tmp_path / "answer.md"
    answer.write_text(ANSWER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1")
    env.pop("TMUX", None)
    env.pop("XTERM_VERSION", None)
    if xterm:
        env["XTERM_VERSION"] = "XTerm(390)"
    terminal = ReflowTerminal(before, ROWS)
    terminal.feed(b"".join(b"filler %d\r\n" % i for i in range(filler)))
    child = pexpect.spawn(
        sys.executable, [DRIVER, str(answer), "--chunk", "2", "--delay", "0.01"],
        dimensions=(ROWS, before), env=env, timeout=60,
    )
    narrowed = False
    try:
        while True:
            try:
                terminal.feed(child.read_nonblocking(65536, timeout=30))
            except pexpect.EOF:
                break
            shown = "\n".join(terminal.lines())
            if not narrowed and "Bravo one" in shown and "Delta" not in shown:
                child.setwinsize(ROWS, after)  # the terminal reflows, then the program hears SIGWINCH
                terminal.narrow(after, reflow=not xterm)
                narrowed = True
    finally:
        child.close()
    assert narrowed, "the answer ended before the window could be narrowed"
    return terminal.lines()


@pytest.mark.parametrize("before, after", [(140, 60), (110, 40)])
def test_narrowing_mid_stream_leaves_no_copy_behind(tmp_path, before, after):
    lines = stream_and_narrow(tmp_path, before, after, filler=ROWS)
    text = "\n".join(lines)
    for marker in MARKERS:
        assert text.count(marker) == 1, f"{marker!r} shown {text.count(marker)} times:\n{text}"
    assert all(len(line) <= before for line in lines)
    tail = lines[lines.index(next(line for line in lines if "Charlie" in line)):]
    assert all(len(line) <= after for line in tail), "after the resize the answer is drawn at the new width"
    assert "Delta done." in text


def test_a_terminal_that_cuts_rows_instead_keeps_every_finished_line(tmp_path):
    """xterm does not re-wrap: its rows are cut, none are added, and Rich's own redraw is right;
    clearing the rows a re-wrap would have made would erase finished text above the answer."""
    lines = stream_and_narrow(tmp_path, 140, 60, filler=ROWS, xterm=True)
    text = "\n".join(lines)
    for marker in MARKERS:
        assert text.count(marker) == 1, f"{marker!r} shown {text.count(marker)} times:\n{text}"
    assert "filler 39" in text and "Delta done." in text
