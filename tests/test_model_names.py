"""Mistyped model names and API bases are bad input (exit 1), caught before anything is sent."""

from __future__ import annotations

import pytest
from provider_server import Reply

from appam_cli.config import load_settings
from appam_cli.datamodel import Session
from appam_cli.repl.handler import handle_line
from appam_cli.repl.state import ChatOptions, ChatState
from appam_cli.store import SessionHistory


def test_a_mistyped_model_names_the_closest_known_ones(offline_cli):
    result = offline_cli("run", "-m", "claude-sonet", "x")
    line = result.error_line("unknown model 'claude-sonet'; did you mean anthropic/claude-sonnet-4-5", code=1)
    assert "litellm" not in line
    assert not (offline_cli.home / "sessions.db").exists() or "x" not in offline_cli("sessions", "list").stdout


def test_a_bare_name_nothing_is_close_to_asks_for_a_provider_prefix(offline_cli):
    result = offline_cli("run", "-m", "zzqxv-local", "x")
    result.error_line("unknown model 'zzqxv-local'", "openai/zzqxv-local", code=1)


def test_a_mistyped_config_model_is_refused_the_same_way(offline_cli, write_config):
    write_config('model = "gpt-4o-mni"\n')
    offline_cli("run", "x").error_line("unknown model 'gpt-4o-mni'; did you mean openai/gpt-4o-mini", code=1)


def test_prefixed_names_go_through_to_the_provider(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli("run", "-m", "openai/brand-new-model", "--api-base", cli.server.url, "q")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["model"] == "brand-new-model"
    # ollama/NAME is sent to the server as asked (whatever the server then answers)
    cli("run", "-m", "ollama/x", "--api-base", cli.server.root_url, "--retries", "0", "q")
    chat = [r for r in cli.server.requests if r.path == "/api/chat"]  # litellm then asks /api/show too
    assert chat[-1].body["model"] == "x"


def test_a_brand_new_name_under_a_known_prefix_goes_through(cli, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")
    cli.server.enqueue(Reply("ok"))
    result = cli("run", "-m", "anthropic/claude-brand-new-9", "--api-base", cli.server.anthropic_url, "q")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["model"] == "claude-brand-new-9"


def test_slash_model_checks_the_name_before_accepting_it(appam_home, capsys):
    history = SessionHistory()
    state = ChatState(load_settings(), history, history, Session(model="openai/a"), "openai/a", ChatOptions())
    handle_line(state, "/model claude-sonet")
    assert state.model == "openai/a"
    assert "unknown model 'claude-sonet'; did you mean anthropic/claude-sonnet-4-5" in capsys.readouterr().err
    handle_line(state, "/model anthropic/claude-sonnet-4-5")
    assert state.model == "anthropic/claude-sonnet-4-5"


@pytest.mark.parametrize("value", ["localhost:11434", "ftp://example.com/v1", "http://", "not a url"])
def test_an_api_base_that_is_not_an_http_url_is_a_config_error(offline_cli, write_config, value):
    path = write_config(f'api_base = "{value}"\n')
    offline_cli("run", "-m", "openai/x", "q").error_line("api_base", str(path), code=1)


def test_an_api_base_from_the_environment_or_the_flag_is_checked_too(offline_cli):
    result = offline_cli("run", "-m", "openai/x", "q", env={"APPAM_API_BASE": "localhost:1234"})
    result.error_line("APPAM_API_BASE", "http", code=1)
    offline_cli("run", "-m", "openai/x", "--api-base", "127.0.0.1:9/v1", "q").error_line("--api-base", code=1)
