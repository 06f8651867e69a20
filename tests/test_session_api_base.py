"""A session remembers where it was answered (its API base, never a key) and goes there again."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import only_session

from appam_cli.config import load_settings
from appam_cli.repl.handler import handle_line
from appam_cli.repl.state import ChatOptions, ChatState
from appam_cli.store import SessionHistory


def first_turn(cli, base: str | None = None) -> str:
    cli.server.enqueue(Reply("one"))
    result = cli("run", "-m", "openai/test-model", "--api-base", base or cli.server.url, "q1")
    assert result.exit_code == 0, result.stderr
    return only_session(cli.home).session_id


@pytest.mark.parametrize("how", ["continue", "run -c"])
def test_continuing_goes_to_the_api_base_the_session_was_answered_at(cli, how):
    first_turn(cli)
    cli.server.enqueue(Reply("two"))
    args = ["continue", "last", "more"] if how == "continue" else ["run", "-c", "more"]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert len(cli.server.requests) == 2
    assert [m["content"] for m in cli.server.requests[-1].body["messages"]] == ["q1", "one", "more"]
    assert only_session(cli.home).api_base == cli.server.url


def test_api_base_flag_overrides_the_sessions_and_is_recorded(cli):
    first_turn(cli)  # answered at …/v1
    cli.server.enqueue(Reply("two"), Reply("three"))
    assert cli("continue", "last", "more", "--api-base", cli.server.root_url).exit_code == 0
    assert cli.server.requests[-1].path == "/chat/completions"
    assert only_session(cli.home).api_base == cli.server.root_url
    assert cli("continue", "last", "again").exit_code == 0  # the new base is the session's now
    assert cli.server.requests[-1].path == "/chat/completions"


def test_show_and_export_name_the_api_base_but_never_a_key(cli):
    secret_base = cli.server.url.replace("http://", "http://me:hunter2@")
    sid = first_turn(cli, secret_base)
    shown = cli("sessions", "show", sid)
    assert f"api base: {cli.server.url}\n" in " ".join(shown.stdout.split(" ")).replace(":  ", ": ")
    exported = json.loads(cli("sessions", "export", sid).stdout)
    assert exported["api_base"] == cli.server.url
    assert b"hunter2" not in (cli.home / "sessions.db").read_bytes()
    assert "hunter2" not in shown.stdout


def test_info_in_the_chat_shows_the_sessions_api_base(cli, capsys):
    sid = first_turn(cli)
    history = SessionHistory()
    state = ChatState.open(load_settings(), history, sid, ChatOptions())
    capsys.readouterr()
    handle_line(state, "/info")
    out = capsys.readouterr()
    assert cli.server.url in out.out + out.err


def import_elsewhere(cli, tmp_path, monkeypatch) -> str:
    sid = first_turn(cli)
    path = tmp_path / "s.json"
    path.write_text(cli("sessions", "export", sid).stdout)
    monkeypatch.setenv("APPAM_HOME", str(tmp_path / "other-home"))
    result = cli("sessions", "import", str(path))
    assert result.exit_code == 0, result.stderr
    return sid


def test_an_imported_api_base_is_not_used_until_confirmed(cli, tmp_path, monkeypatch):
    sid = import_elsewhere(cli, tmp_path, monkeypatch)
    before = len(cli.server.requests)
    refused = cli("continue", sid, "more")
    line = refused.error_line("--api-base", f"appam sessions confirm-api-base {sid[:8]}", code=1)
    assert cli.server.url in line
    assert len(cli.server.requests) == before  # nothing was sent anywhere
    assert "confirm" in cli("sessions", "show", sid).stdout
    confirmed = cli("sessions", "confirm-api-base", sid[:8])
    assert confirmed.exit_code == 0, confirmed.stderr
    cli.server.enqueue(Reply("two"))
    result = cli("continue", sid, "more")
    assert result.exit_code == 0, result.stderr
    assert len(cli.server.requests) == before + 1


def test_an_imported_api_base_gives_way_to_the_flag(cli, tmp_path, monkeypatch):
    sid = import_elsewhere(cli, tmp_path, monkeypatch)
    cli.server.enqueue(Reply("two"))
    result = cli("continue", sid, "more", "--api-base", cli.server.root_url)
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].path == "/chat/completions"
    again = json.loads(cli("sessions", "export", sid).stdout)
    assert again["api_base"] == cli.server.root_url
    cli.server.enqueue(Reply("three"))
    assert cli("continue", sid, "and more").exit_code == 0  # chosen by the user: no longer a file's


@pytest.mark.e2e
def test_chat_session_goes_to_the_sessions_api_base(provider, appam_home, cli):
    sid = first_turn(cli)
    provider.enqueue(Reply("two"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run([APPAM, "chat", "--session", sid[:8]], input="more\n", capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [m["content"] for m in provider.requests[-1].body["messages"]] == ["q1", "one", "more"]
