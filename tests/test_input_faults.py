"""Bad input is refused (or repaired) with one clear line, never a traceback: whitespace-only
prompts, bytes that are not UTF-8, import files that overflow or nest too deeply, and
``-o`` targets that are not regular files (issue 9, "Files and encodings")."""

from __future__ import annotations

import json
import os
import stat
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


# -- import: numbers past 64 bits, nesting past any use ------------------------------------


def _one_session(**fields) -> dict:
    return {"session_id": "s1", "model": "m", "messages": [{"role": "user", "content": "hi"}], **fields}


def _import_fails(offline_cli, appam_home, path: Path, *fragments: str) -> None:
    save(appam_home, make_session())
    before = snapshot(appam_home)
    offline_cli("sessions", "import", str(path)).error_line(*fragments, "nothing was imported")
    assert snapshot(appam_home) == before


BIG = 2**64 + 1


@pytest.mark.parametrize(
    "fields,place",
    [
        ({"requests": [{"model": "m", "input_tokens": BIG}]}, "line 2, requests[0].input_tokens: too large for 64 bits"),
        ({"requests": [{"model": "m", "duration_ms": BIG}]}, "line 2, requests[0].duration_ms: too large for 64 bits"),
        ({"usage": {"total_output_tokens": BIG}}, "line 2, usage.total_output_tokens: too large for 64 bits"),
        ({"usage": {"total_cost_usd": 10**400}}, "line 2, usage.total_cost_usd: too large (401 digits)"),
    ],
    ids=["tokens", "duration", "usage", "cost"],
)
def test_import_numbers_past_64_bits_name_the_field(offline_cli, appam_home, tmp_path, fields, place):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(_one_session(session_id="ok")) + "\n" + json.dumps(_one_session(**fields)) + "\n")
    _import_fails(offline_cli, appam_home, path, place)


def test_import_a_cost_past_64_bits_is_kept_as_a_number(offline_cli, appam_home, tmp_path):
    path = tmp_path / "cost.json"
    path.write_text(json.dumps(_one_session(requests=[{"model": "m", "cost_usd": BIG}])))
    result = offline_cli("sessions", "import", str(path))
    assert result.exit_code == 0, result.stderr
    assert only_session(appam_home).requests[0].cost_usd == float(BIG)


def test_import_a_number_longer_than_python_reads_names_the_place(offline_cli, appam_home, tmp_path):
    path = tmp_path / "long.jsonl"
    line = json.dumps(_one_session(usage={"total_input_tokens": 7}))
    path.write_text(line.replace("7", "7" * 5000) + "\n")
    column = line.index("7") + 1
    _import_fails(offline_cli, appam_home, path, f"line 1 column {column}: a number with more than 4300 digits")


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_import_nested_100000_deep_names_the_place(offline_cli, appam_home, tmp_path, fmt):
    deep = "[" * 100_000 + "]" * 100_000
    if fmt == "jsonl":  # the deep list starts inside one object: its 500th "[" is level 501
        lead = '{"session_id": "x", "model": "m", "messages": '
        text = json.dumps(_one_session()) + "\n" + lead + deep + "}\n"
        place = f"line 2 column {len(lead) + 500}: nested deeper than 500 levels"
    else:  # inside a list and an object: its 499th "[" is level 501
        lead = '   "messages": '
        text = '[\n  {"session_id": "x",\n' + lead + deep + "}]\n"
        place = f"line 3 column {len(lead) + 499}: nested deeper than 500 levels"
    path = tmp_path / f"deep.{fmt}"
    path.write_text(text)
    _import_fails(offline_cli, appam_home, path, place)


# -- export -o: only regular files are replaced ---------------------------------------------


def test_export_to_a_fifo_is_refused_and_the_fifo_kept(offline_cli, appam_home, tmp_path):
    save(appam_home, make_session())
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    offline_cli("sessions", "export", "--all", "-o", str(fifo)).error_line(
        f"cannot write {fifo}: it is a named pipe (FIFO)", "`-o -`"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["appam-home", "pipe"]  # no temporary file left


def test_export_to_a_device_is_refused_and_nothing_replaced(offline_cli, appam_home, tmp_path):
    save(appam_home, make_session())
    link = tmp_path / "null"  # a link, so that a failure here cannot replace /dev/null itself
    link.symlink_to("/dev/null")
    offline_cli("sessions", "export", "--all", "-o", str(link)).error_line("it is a character device")
    assert os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_through_a_symlink_writes_the_file_it_points_to(offline_cli, appam_home, tmp_path):
    save(appam_home, make_session())
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = offline_cli("sessions", "export", "--all", "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert json.loads(real.read_text())[0]["model"] == "openai/test-model"


def test_export_to_dev_stdout_streams_to_standard_output(offline_cli, appam_home, monkeypatch):
    save(appam_home, make_session())
    real_replace = os.replace

    def replace(src, dst):  # the old code renamed a temporary file over /dev/stdout: stop it here
        assert not str(dst).startswith("/dev/"), f"replacing {dst}"
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = offline_cli("sessions", "export", "--all", "-o", "/dev/stdout")
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert json.loads(result.stdout)[0]["model"] == "openai/test-model"
    assert "exported" not in result.stderr


def test_export_to_dev_stderr_is_refused_not_renamed_over(offline_cli, appam_home, monkeypatch, tmp_path):
    save(appam_home, make_session())
    real_replace = os.replace

    def replace(src, dst):
        assert not str(dst).startswith(("/dev/", "/proc/")), f"replacing {dst}"
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "redirected"  # where a shell would have sent fd 2: a regular file
    target.write_text("")
    monkeypatch.setattr(os.path, "realpath", lambda p, **kw: str(target))
    offline_cli("sessions", "export", "--all", "-o", "/dev/stderr").error_line("open file descriptor", "`-o -`")
    assert target.read_text() == ""


def test_import_a_lone_surrogate_escape_names_the_field(offline_cli, appam_home, tmp_path):
    path = tmp_path / "surrogate.jsonl"
    path.write_text('{"session_id": "s", "model": "m", "messages": [{"role": "user", "content": "a\\udcffb"}]}\n')
    _import_fails(offline_cli, appam_home, path, "line 1, messages[0].content: holds a lone surrogate escape", "a\\udcffb")
