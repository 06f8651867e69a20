"""The live view on a real (pseudo-)terminal: the final screen, scrollback included,
must read like a one-shot ``console.print(Markdown(text))`` of the same answer.

The program under test is ``tests/render_driver.py`` (it streams a file through
``make_view``); `screen_after` and `one_shot_screen` are kept generic so the same
checks can drive the real ``appam run`` CLI.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pyte
import pytest
from rich.console import Console
from rich.markdown import Markdown

pytestmark = pytest.mark.e2e  # every test renders in a pseudo-terminal

COLUMNS, ROWS = 100, 50
DRIVER = str(Path(__file__).with_name("render_driver.py"))

ANSWER = """# Streaming check

A paragraph with **bold**, *italic* and `inline code`, long enough to wrap across more than one
line of a terminal that is a hundred columns wide, which it should do at least once here.
## Heading right after a paragraph

- first item
- second item
  - nested item

- third item, after a blank line

1. one
2. two

| Name | Value | Note |
|------|------:|------|
| a    |     1 | first |
| b    |    22 | second |

```python
def hello(name: str) -> str:
    \"\"\"Say hello.\"\"\"

    return f"Hello, {name}!"
```

> A quote that
> spans lines.

---

Done."""

LONG_FENCE = "```python\n" + "\n".join(
    f"def step_{i}(x):\n    '''Step {i}.'''\n    return x + {i}\n" for i in range(40)
) + "```\n\nAfter the long fence."

BIG_TABLE = "Intro.\n\n| n | square | words |\n|---|---:|---|\n" + "\n".join(
    f"| {i} | {i * i} | {'word ' * (i % 9)}|" for i in range(80)
) + "\n\nAfter the table."

LONG_LIST = "\n".join(f"- item {i}: some words to make the line a bit longer" for i in range(90)) + "\n\nEnd."


def terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLORTERM")}
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS), PYTHONUNBUFFERED="1")
    env.pop("TTY_COMPATIBLE", None)
    env.pop("TTY_INTERACTIVE", None)
    return env


def run_in_pty(argv: list[str], timeout: float = 120) -> bytes:
    """Run argv in a COLUMNS x ROWS pseudo-terminal; everything it wrote."""
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(ROWS, COLUMNS), env=terminal_env(), timeout=timeout)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before[-2000:]
    return child.before


def screen_lines(data: bytes) -> list[str]:
    """Play data on a COLUMNS x ROWS terminal; all lines (scrollback first), right-stripped,
    without the blank lines at the end."""
    screen = pyte.HistoryScreen(COLUMNS, ROWS, history=100_000)
    screen.set_mode(pyte.modes.LNM)  # a bare \n also returns the carriage
    pyte.ByteStream(screen).feed(data)

    def text(line) -> str:
        chars, wide = [], False
        for x in range(COLUMNS):
            if wide:
                wide = False
                continue
            char = line[x].data
            wide = pyte.screens.wcwidth(char[:1]) == 2
            chars.append(char)
        return "".join(chars).rstrip()

    lines = [text(line) for line in screen.history.top] + [text(screen.buffer[y]) for y in range(ROWS)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def one_shot_screen(text: str) -> list[str]:
    out = Console(file=io.StringIO(), width=COLUMNS, height=ROWS, force_terminal=True, color_system="256")
    out.print(Markdown(text))
    return screen_lines(out.file.getvalue().encode())


def screen_after(text: str, tmp_path: Path, *args: str) -> list[str]:
    answer = tmp_path / "answer.md"
    answer.write_text(text, encoding="utf-8")
    return screen_lines(run_in_pty([sys.executable, DRIVER, str(answer), *args]))


@pytest.mark.parametrize(
    "text",
    [ANSWER, LONG_FENCE, LONG_LIST, BIG_TABLE, ANSWER + "\n\n" + LONG_FENCE + "\n\n" + LONG_LIST],
    ids=["answer", "long-fence", "long-list", "big-table", "all"],
)
def test_final_screen_equals_one_shot_render(text, tmp_path):
    expected = one_shot_screen(text)
    assert screen_after(text, tmp_path, "--chunk", "3", "--delay", "0.0005") == expected
    non_empty = [line for line in expected if line]
    assert len(non_empty) > 10


def test_slow_stream_redraws_the_tail_and_ends_the_same(tmp_path):
    """Slow enough that the timer redraws the tail many times (also mid-line)."""
    text = ANSWER + "\n\n" + LONG_FENCE[:1500] + "\n```"
    data = screen_after(text, tmp_path, "--chunk", "7", "--delay", "0.004")
    assert data == one_shot_screen(text)


def test_a_tall_tail_shows_its_newest_lines(tmp_path):
    """While a table taller than the screen streams, its newest rows are on screen."""
    answer = tmp_path / "answer.md"
    answer.write_text(BIG_TABLE, encoding="utf-8")
    argv = [DRIVER, str(answer), "--chunk", "6", "--delay", "0.003"]
    child = pexpect.spawn(sys.executable, argv, dimensions=(ROWS, COLUMNS), env=terminal_env(), timeout=60)
    screen = pyte.Screen(COLUMNS, ROWS)
    screen.set_mode(pyte.modes.LNM)
    stream = pyte.ByteStream(screen)
    seen_live = False
    while True:
        try:
            stream.feed(child.read_nonblocking(65536, timeout=30))
        except pexpect.EOF:
            break
        shown = "\n".join(screen.display)
        if " 3600 " in shown and "After the table" not in shown:
            seen_live = True  # row 60 of 80 drawn while the table was still streaming
    child.close()
    assert seen_live


def test_raw_mode_in_a_terminal_prints_the_text(tmp_path):
    lines = screen_after(ANSWER, tmp_path, "--chunk", "5", "--raw")
    assert lines == ANSWER.splitlines()


def test_abort_leaves_the_partial_answer_and_a_note(tmp_path):
    partial = ANSWER[: ANSWER.index("wide, which")]  # cut mid-paragraph
    lines = screen_after(partial, tmp_path, "--chunk", "4", "--abort", "[interrupted]")
    assert lines == one_shot_screen(partial) + ["", "[interrupted]"]
