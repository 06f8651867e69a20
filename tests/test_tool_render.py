"""Tool calls and results in the answer views (given data only): the live view's blocks, the plain
view's stderr lines, and a pipe that gets the final answer alone."""

from __future__ import annotations

import io
import re

from rich.console import Console

from appam_cli.render import PlainView
from appam_cli.render.live import LiveMarkdownView

RESULT = {"call_id": "c1", "name": "read_file", "arguments": '{"path": "a.txt"}',
          "content": "one\ntwo\nthree\nfour\nfive", "status": "ok", "duration_ms": 12}


def screen(out: Console) -> list[str]:
    return [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).rstrip() for line in out.file.getvalue().split("\n")]


def live(verbose: bool = False) -> tuple[Console, LiveMarkdownView]:
    out = Console(file=io.StringIO(), width=80, height=50, color_system="256")
    return out, LiveMarkdownView(out, auto_refresh=False, verbose=verbose)


def test_a_call_then_its_status_duration_and_first_lines():
    out, view = live()
    with view:
        view.content("Let me look.")
        view.tool_call("read_file", '{"path": "a.txt"}')
        view.tool_result(RESULT)
        view.content("It has five lines.")
    lines = screen(out)
    start = lines.index("Let me look.")
    assert lines[start:start + 11] == [
        "Let me look.",
        "",
        '⚙ read_file({"path": "a.txt"})',
        "  ↳ ok · 12 ms",
        "    one",
        "    two",
        "    three",
        "    … 2 more lines (--verbose shows all)",
        "",
        "It has five lines.",
        "",
    ]


def test_verbose_shows_every_argument_and_the_whole_result():
    out, view = live(verbose=True)
    with view:
        view.tool_call("read_file", '{"path": "a.txt", "offset": 2}')
        view.tool_result({**RESULT, "status": "error", "duration_ms": 2500, "content": "error: no\nsuch\nfile\nhere\nat all"})
    lines = [line for line in screen(out) if line]
    assert lines == [
        "⚙ read_file", "  {", '    "path": "a.txt",', '    "offset": 2', "  }",
        "  ↳ error · 2.5 s", "    error: no", "    such", "    file", "    here", "    at all",
    ]


def test_a_paused_view_starts_again_and_keeps_what_it_showed():
    out, view = live()
    with view:
        view.content("First part.")
        view.tool_call("write_file", "{}")
        with view.paused():
            out.print("asked here")
        view.tool_result({**RESULT, "content": "written"})
        view.content("Second part.")
    lines = [line for line in screen(out) if line]
    assert lines == ["First part.", "⚙ write_file({})", "asked here", "  ↳ ok · 12 ms", "    written", "Second part."]


def plain(hold: bool) -> tuple[io.StringIO, io.StringIO, PlainView]:
    stdout, stderr = io.StringIO(), io.StringIO()
    return stdout, stderr, PlainView(stdout, err=stderr, show_tools=True, hold=hold)


def test_a_pipe_gets_the_final_answer_alone():
    stdout, stderr, view = plain(hold=True)
    with view:
        view.content("Let me look.")
        view.tool_call("read_file", '{"path": "a.txt"}')
        view.tool_result(RESULT)
        view.content("Final answer.")
    assert stdout.getvalue() == "Final answer.\n"
    assert stderr.getvalue().splitlines()[:3] == ["Let me look.", '⚙ read_file({"path": "a.txt"})', "  ↳ ok · 12 ms"]


def test_without_tools_plain_text_streams_as_before():
    stdout, stderr, view = plain(hold=False)
    with view:
        view.content("Streamed ")
        assert stdout.getvalue() == "Streamed "
        view.content("at once.")
    assert stdout.getvalue() == "Streamed at once.\n" and stderr.getvalue() == ""


def test_tools_stay_off_stdout_even_when_not_shown():
    stdout, stderr = io.StringIO(), io.StringIO()
    view = PlainView(stdout, err=stderr, show_tools=False, hold=True)
    with view:
        view.content("thinking aloud")
        view.tool_call("read_file", "{}")
        view.tool_result(RESULT)
        view.content("answer")
    assert stdout.getvalue() == "answer\n" and stderr.getvalue() == ""


def test_a_pause_with_an_unfinished_block_draws_it_once():
    out, view = live()
    with view:
        view.content("Para one.\n\nunfinished")
        view.refresh()
        with view.paused():
            out.print("asked here")
        view.content(" tail.")
    lines = [line for line in screen(out) if line]
    assert lines.count("unfinished tail.") == 1 and "unfinished" not in [line for line in lines if line != "unfinished tail."]
    assert lines.index("asked here") < lines.index("unfinished tail.")
