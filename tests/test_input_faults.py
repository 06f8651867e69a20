"""Bad input is refused (or repaired) with one clear line, never a traceback: whitespace-only
prompts, bytes that are not UTF-8, import files that overflow or nest too deeply, and
``-o`` targets that are not regular files (issue 9, "Files and encodings")."""

from __future__ import annotations

from pathlib import Path

from sessions_store import sessions


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
