"""Bad input is refused (or repaired) with one clear line, never a traceback: whitespace-only
prompts, bytes that are not UTF-8, import files that overflow or nest too deeply, and
``-o`` targets that are not regular files (issue 9, "Files and encodings")."""

from __future__ import annotations

from pathlib import Path

import pytest
from sessions_store import make_session, only_session, save, sessions, snapshot


def _store_is_empty(home: Path) -> bool:
    return not (home / "sessions.db").exists() or not sessions(home)


# -- whitespace-only prompts ----------------------------------------------------------------


def test_a_whitespace_only_prompt_is_refused_like_an_empty_one(cli):
    cli.run("   ").error_line("no prompt given")
    cli.run(" \t\n ", input="").error_line("no prompt given")
    cli.run(input="  \n\t\n").error_line("no prompt given")
    cli.run("-", input=" \n ").error_line("nothing was piped in")
    assert cli.server.requests == []
    assert _store_is_empty(cli.home)


def test_a_whitespace_only_argument_gives_way_to_piped_text(cli):
    result = cli.run("  ", input="the question\n")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[0].messages[-1]["content"] == "the question"


# -- bytes that are not UTF-8 ---------------------------------------------------------------


def test_undecodable_bytes_piped_into_a_prompt_are_replaced_and_said(cli):
    result = cli.run("summarise", input=b"caf\xe9 cr\xe8me\n")
    assert result.exit_code == 0, result.stderr
    assert result.appam_lines() == [
        "appam: standard input is not valid UTF-8; sent with each undecodable byte replaced by U+FFFD"
    ]
    sent = cli.server.requests[0].messages[-1]["content"]
    assert sent == "summarise\n\ncaf\ufffd cr\ufffdme"
    assert only_session(cli.home).messages[0].content == sent  # saved exactly as sent


def test_undecodable_bytes_in_a_prompt_argument_are_replaced_and_said(cli):
    result = cli.run("caf\udce9?")  # how Python hands over argv byte 0xe9 (surrogateescape)
    assert result.exit_code == 0, result.stderr
    assert "prompt argument is not valid UTF-8" in result.stderr
    assert cli.server.requests[0].messages[-1]["content"] == "caf\ufffd?"
    assert only_session(cli.home).messages[0].content == "caf\ufffd?"


@pytest.mark.parametrize(
    "command",
    [("sessions", "show"), ("sessions", "delete", "--yes"), ("sessions", "export"), ("continue",)],
    ids=lambda c: " ".join(c),
)
def test_an_id_that_is_not_utf8_is_one_line(offline_cli, appam_home, command):
    save(appam_home, make_session())
    before = snapshot(appam_home)
    offline_cli(*command, "ab\udcffcd", *(["hi"] if command == ("continue",) else [])).error_line(
        "no session has id 'ab\\xffcd'", "not UTF-8"
    )
    assert snapshot(appam_home) == before


def test_a_search_query_that_is_not_utf8_is_one_line(offline_cli, appam_home):
    save(appam_home, make_session())
    offline_cli("sessions", "search", "caf\udce9").error_line("cannot search for 'caf\\xe9'", "not UTF-8")


def test_any_other_argument_that_is_not_utf8_is_one_line(offline_cli, appam_home):
    save(appam_home, make_session())
    offline_cli("sessions", "list", "--model", "gpt\udcff").error_line("an argument holds bytes that are not UTF-8")
