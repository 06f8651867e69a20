"""`appam last` (the most recent answer, plain, for pipes) and `-x/--extract` (only the fenced code
blocks) on `run`, `continue` and `last`. Real CLI, real litellm, loopback provider."""

from __future__ import annotations

import pytest
from import_report import NOT_FOR_READING, assert_light, run_appam
from provider_server import Reply
from sessions_store import make_session, only_session, save, sessions

from appam_cli.render.code_blocks import code_blocks, extracted

SCRIPT_ANSWER = (
    "Here is the script:\n\n```bash\n#!/bin/sh\necho hello\n```\n\nThen check it with:\n\n"
    "```\nsh -n script.sh\n```\nDone."
)


def test_last_prints_the_most_recent_answer_plain(cli):
    cli.server.enqueue(Reply("first answer"), Reply("**second** answer"))
    assert cli.run("one").exit_code == 0
    assert cli.run("two").exit_code == 0
    result = cli("last")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "**second** answer\n"  # as the model wrote it: Markdown is not rendered
    assert result.stderr == ""


def test_last_of_a_named_session(cli):
    cli.server.enqueue(Reply("first answer"), Reply("second answer"))
    cli.run("one")
    first = sessions(cli.home)[0].session_id
    cli.run("two")
    result = cli("last", first[:8])
    assert result.exit_code == 0 and result.stdout == "first answer\n"


def test_last_with_no_sessions_is_one_line(offline_cli):
    offline_cli("last").error_line("no answers yet")
    offline_cli("last", "zzzz").error_line("zzzz")


def test_last_of_a_session_without_an_answer(offline_cli, appam_home):
    session = make_session("a question")
    session.messages = session.messages[:1]
    save(appam_home, session)
    offline_cli("last").error_line("holds no answer")


def test_last_of_a_cut_answer_prints_what_arrived_and_says_so(cli):
    cli.server.enqueue(Reply(["partial ", "answer ", "that ", "goes ", "on"], drop_after=2))
    assert cli.run("q").exit_code == 4
    result = cli("last")
    assert result.exit_code == 0
    assert result.stdout == "partial answer \n"
    assert "cut off" in result.stderr


def test_last_extract_prints_only_the_code_blocks(cli):
    cli.server.enqueue(Reply(SCRIPT_ANSWER))
    cli.run("write a script")
    result = cli("last", "-x")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "#!/bin/sh\necho hello\n\nsh -n script.sh\n"


def test_last_extract_without_a_code_block_prints_nothing(cli):
    cli.server.enqueue(Reply("Just prose."))
    cli.run("q")
    result = cli("last", "--extract")
    result.error_line("no fenced code block")
    assert result.stdout == ""


def test_run_extract_prints_only_code_and_saves_the_whole_answer(cli):
    cli.server.enqueue(Reply(SCRIPT_ANSWER))
    result = cli.run("-x", "write a script")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "#!/bin/sh\necho hello\n\nsh -n script.sh\n"
    assert "session " in result.stderr  # the footer, on stderr as always
    assert only_session(cli.home).messages[-1].content == SCRIPT_ANSWER


def test_the_default_command_takes_extract(cli):
    cli.server.enqueue(Reply("```python\nprint(1)\n```"))
    result = cli("-x", "-m", "openai/test-model", "--api-base", cli.server.url, "print one in python")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "print(1)\n"


def test_run_extract_without_a_code_block_is_exit_1_and_nothing_on_stdout(cli):
    cli.server.enqueue(Reply("I would rather explain it in words."))
    result = cli.run("--extract", "write a script")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "appam: the answer holds no fenced code block" in result.stderr
    assert only_session(cli.home).messages[-1].content == "I would rather explain it in words."


def test_extract_and_json_do_not_go_together(cli):
    cli.run("-x", "--json", "q").error_line("use one of them", code=2)
    assert cli.server.requests == []


def test_continue_extract(cli):
    cli.server.enqueue(Reply("no code yet"), Reply("~~~\nSELECT 1;\n~~~\n"))
    cli.run("q")
    sid = only_session(cli.home).session_id
    result = cli("continue", sid, "now as SQL", "-x", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "SELECT 1;\n"


@pytest.mark.parametrize(
    "text, blocks",
    [
        ("```\na\n```", ["a"]),
        ("````md\n```\ninner\n```\n````", ["```\ninner\n```"]),  # a longer fence holds a shorter one
        ("~~~\na\n```\nb\n~~~", ["a\n```\nb"]),  # only the same character closes
        ("``` not`a fence\nx", []),  # a backtick in the info string: inline code, not a fence
        ("1. step\n   ```sh\n   ls -l\n     indented\n   ```", ["ls -l\n  indented"]),  # inside a list item
        ("text\n```py\nunclosed", ["unclosed"]),  # runs to the end, as CommonMark says
        ("```\n```", [""]),
        ("no fences ``here``", []),
        ("```\nclose too short\n``\nstill in\n```", ["close too short\n``\nstill in"]),
    ],
)
def test_code_blocks_follow_commonmark_fences(text, blocks):
    assert code_blocks(text) == blocks


def test_extracted_puts_a_blank_line_between_blocks():
    assert extracted("```\na\n```\ntext\n```\nb\n```") == "a\n\nb\n"
    assert extracted("prose") is None


@pytest.mark.e2e
def test_last_reads_only_the_store(appam_home):
    session = make_session("q", "```sh\nls\n```")
    save(appam_home, session)
    for args, out in ((["last"], "```sh\nls\n```\n"), (["last", "-x"], "ls\n")):
        run = run_appam(*args)
        assert run.returncode == 0, run.stderr
        assert run.stdout == out
        assert_light(run, NOT_FOR_READING)


def test_on_a_terminal_control_characters_are_shown_not_sent(offline_cli, appam_home, monkeypatch):
    """A pipe gets the exact bytes; a terminal gets escape sequences made visible (design.md)."""
    save(appam_home, make_session("q", "title \x1b]0;pwned\x07 ok\n```sh\necho \x1b[31mred\n```"))
    assert offline_cli("last", "-x").stdout == "echo \x1b[31mred\n"  # a pipe: byte for byte
    import sys

    monkeypatch.setattr(sys.modules["appam_cli.render.environment"], "is_terminal", lambda stream: True)
    shown = offline_cli("last").stdout
    assert "\x1b" not in shown and "\x07" not in shown and "^[]0;pwned^G" in shown
    assert offline_cli("last", "-x").stdout == "echo ^[[31mred\n"
