"""Model aliases (``[aliases]``) and provider profiles (``[profiles.NAME]``) through the real CLI and
real litellm against the loopback server: what is sent where, with which key, and what is recorded."""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import only_session, saved_requests

from appam_cli.datamodel.provider_prefixes import PROVIDER_PREFIXES


def profile_config(url: str, *, name: str = "team", key_env: str | None = "TEAM_KEY", models: str = "") -> str:
    lines = [f"[profiles.{name}]", f'api_base = "{url}"']
    if key_env:
        lines.append(f'api_key_env = "{key_env}"')
    if models:
        lines.append(f"models = {models}")
    return "\n".join(lines) + "\n"


def test_an_alias_is_taken_by_run_and_the_session_records_the_real_model(cli, write_config):
    write_config('[aliases]\nfast = "openai/real-model"\n')
    cli.server.enqueue(Reply("hi"))
    result = cli("run", "-m", "fast", "--api-base", cli.server.url, "q")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["model"] == "real-model"
    session = only_session(cli.home)
    assert session.model == "openai/real-model"
    assert [m.model for m in session.messages if m.role == "assistant"] == ["openai/real-model"]
    assert [r.model for r in saved_requests(cli.home)] == ["openai/real-model"]


def test_the_configured_model_may_be_an_alias(cli, write_config):
    write_config(f'model = "fast"\napi_base = "{cli.server.url}"\n[aliases]\nfast = "openai/real-model"\n')
    cli.server.enqueue(Reply("hi"))
    assert cli("run", "q").exit_code == 0
    assert cli.server.requests[-1].body["model"] == "real-model"


def test_continue_with_an_alias_switches_to_its_model(cli, write_config):
    write_config('[aliases]\nother = "openai/second-model"\n')
    cli.server.enqueue(Reply("one"), Reply("two"))
    assert cli("run", "-m", "openai/first-model", "--api-base", cli.server.url, "q1").exit_code == 0
    result = cli("continue", "last", "q2", "-m", "other")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["model"] == "second-model"
    assert only_session(cli.home).model == "openai/second-model"


def test_model_in_the_chat_takes_an_alias(cli, write_config):
    write_config('[aliases]\nother = "openai/second-model"\n')
    cli.server.enqueue(Reply("one"), Reply("two"))
    result = cli("chat", "-m", "openai/first-model", "--api-base", cli.server.url, input="q1\n/model other\nq2\n")
    assert result.exit_code == 0, result.stderr
    assert [r.body["model"] for r in cli.server.chat_requests] == ["first-model", "second-model"]
    assert "model: openai/second-model for the next turns" in result.stderr


def test_models_lists_the_aliases_first(offline_cli, write_config):
    write_config('[aliases]\nfast = "groq/llama-3.3-70b-versatile"\nmini = "gpt-4o-mini"\n')
    out = offline_cli("models", "gpt-4o-mini").stdout.splitlines()
    assert out[0].split() == ["alias", "model"]
    assert out[1].split() == ["mini", "gpt-4o-mini"]  # only the alias the search matches
    assert "fast" not in "\n".join(out)
    rows = json.loads(offline_cli("models", "--json", "llama-3.3-70b").stdout)
    assert rows[0] == {"alias": "fast", "model": "groq/llama-3.3-70b-versatile"}
    assert all("alias" not in r for r in rows[1:]) and len(rows) > 1


def test_a_profiles_model_goes_to_its_server_with_its_key_only(cli, write_config, monkeypatch):
    write_config(profile_config(cli.server.url))
    monkeypatch.setenv("TEAM_KEY", "sk-team-123")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    cli.server.enqueue(Reply("from the team server"))
    result = cli("run", "-m", "team/fast-model", "q")
    assert result.exit_code == 0, result.stderr
    request = cli.server.requests[-1]
    assert request.body["model"] == "fast-model"  # the server's own name for it
    assert request.api_key == "sk-team-123"
    session = only_session(cli.home)
    assert (session.model, session.profile, session.api_base) == ("team/fast-model", "team", cli.server.url)
    assert b"sk-team-123" not in (cli.home / "sessions.db").read_bytes()


def test_a_profile_without_a_key_variable_sends_no_real_key(cli, write_config, monkeypatch):
    write_config(profile_config(cli.server.url, key_env=None))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-leak")
    cli.server.enqueue(Reply("ok"))
    assert cli("run", "-m", "team/m", "q").exit_code == 0
    assert cli.server.requests[-1].api_key != "sk-openai-must-not-leak"


def test_a_missing_key_variable_is_one_line_naming_it(cli, write_config):
    write_config(profile_config(cli.server.url))
    result = cli("run", "-m", "team/fast-model", "q")
    result.error_line("TEAM_KEY", "profile team", code=3)
    assert cli.server.requests == []


def test_an_alias_may_name_a_profiles_model_and_prices_come_from_the_profile(cli, write_config, monkeypatch):
    write_config(
        profile_config(cli.server.url, models='["fast-model"]')
        + '[profiles.team.prices.fast-model]\ninput = 1000000\noutput = 2000000\n'
        + '[aliases]\nfast = "team/fast-model"\n'
    )
    monkeypatch.setenv("TEAM_KEY", "sk-team")
    cli.server.enqueue(Reply("ok", usage={"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}))
    assert cli("run", "-m", "fast", "q").exit_code == 0
    [request] = saved_requests(cli.home)
    assert request.model == "team/fast-model"
    assert request.cost_usd == pytest.approx(2 * 1.0 + 3 * 2.0)


def test_a_profile_refuses_a_model_it_does_not_serve(cli, write_config, monkeypatch):
    write_config(profile_config(cli.server.url, models='["fast-model", "big-model"]'))
    monkeypatch.setenv("TEAM_KEY", "k")
    cli("run", "-m", "team/other", "q").error_line("profile 'team' serves team/fast-model, team/big-model")
    cli("run", "-m", "team", "q").error_line("'team' is a provider profile", "team/fast-model")
    assert cli.server.requests == []


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('[profiles.openai]\napi_base = "http://127.0.0.1:1/v1"\n', "'openai' is a litellm provider prefix"),
        ('[profiles.ollama_chat]\napi_base = "http://127.0.0.1:1/v1"\n', "'ollama_chat' is a litellm provider prefix"),
        ('[profiles.team]\napi_base = "http://127.0.0.1:1/v1"\napi_key = "sk-abc"\n', "keys are never stored"),
        ('[profiles.team]\napi_key_env = "X"\n', "api_base is required"),
        ('[profiles.team]\napi_base = "localhost:1"\n', "profiles.team.api_base"),
        ('[profiles.team]\napi_base = "http://127.0.0.1:1/v1"\nmodels = "m"\n', "profiles.team.models"),
        ("[aliases]\nfast = 3\n", "aliases.fast"),
        ('[aliases]\n"a/b" = "gpt-4o"\n', "an alias is a name without '/'"),
        ('[aliases]\na = "b"\nb = "gpt-4o"\n', "'b' is an alias too"),
        ('[profiles.team]\napi_base = "http://127.0.0.1:1/v1"\nmodels = ["m"]\n[aliases]\nx = "team/n"\n',
         "serves m, not 'n'"),
    ],
)
def test_a_wrong_profile_or_alias_is_one_config_line(offline_cli, write_config, text, fragment):
    write_config(text)
    result = offline_cli("run", "-m", "openai/x", "--api-base", "http://127.0.0.1:9", "q")
    result.error_line(fragment, "config.toml", code=1)


def test_continue_reads_the_recorded_profile_from_todays_config(cli, write_config, monkeypatch):
    monkeypatch.setenv("TEAM_KEY", "k")
    write_config(profile_config(cli.server.url))
    cli.server.enqueue(Reply("one"), Reply("two"))
    assert cli("run", "-m", "team/m", "q1").exit_code == 0
    assert cli.server.requests[-1].headers["host"].startswith("127.0.0.1:")
    moved = cli.server.url.replace("127.0.0.1", "localhost")  # the profile's server has a new address
    write_config(profile_config(moved))
    result = cli("continue", "last", "q2")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].headers["host"].startswith("localhost:")
    assert [m["content"] for m in cli.server.requests[-1].body["messages"]] == ["q1", "one", "q2"]
    assert only_session(cli.home).api_base == moved


def test_continue_on_a_profile_that_is_gone_is_exit_1_and_sends_nothing(cli, write_config, monkeypatch):
    monkeypatch.setenv("TEAM_KEY", "k")
    write_config(profile_config(cli.server.url))
    cli.server.enqueue(Reply("one"))
    assert cli("run", "-m", "team/m", "q1").exit_code == 0
    write_config("")
    before = len(only_session(cli.home).messages)
    cli("continue", "last", "q2").error_line("profile 'team'", "no longer has", code=1)
    cli("run", "-c", "q2").error_line("profile 'team'", code=1)
    assert len(cli.server.requests) == 1
    assert len(only_session(cli.home).messages) == before


def test_a_profile_sessions_address_is_not_used_for_another_model(cli, write_config, monkeypatch):
    """Continuing a profile's session with -m another model sends it where config sends that model
    (here config's api_base), not to the profile's server."""
    monkeypatch.setenv("TEAM_KEY", "k")
    elsewhere = cli.server.root_url + "/elsewhere/v1"
    write_config(f'api_base = "{elsewhere}"\n' + profile_config(cli.server.url))
    cli.server.enqueue(Reply("one"), Reply("two"))
    assert cli("run", "-m", "team/m", "q1").exit_code == 0
    assert cli.server.requests[-1].path == "/v1/chat/completions"
    cli("continue", "last", "q2", "-m", "openai/other")
    assert cli.server.requests[-1].path.startswith("/elsewhere/v1/")
    assert cli.server.requests[-1].api_key != "k"
    assert only_session(cli.home).profile is None


def test_the_provider_prefixes_are_litellms():
    import litellm

    assert {str(getattr(p, "value", p)) for p in litellm.provider_list} == set(PROVIDER_PREFIXES)


def test_show_names_the_profile_a_session_was_answered_by(cli, write_config, monkeypatch):
    monkeypatch.setenv("TEAM_KEY", "k")
    write_config(profile_config(cli.server.url))
    cli.server.enqueue(Reply("one"))
    assert cli("run", "-m", "team/m", "q1").exit_code == 0
    shown = " ".join(cli("sessions", "show", "last").stdout.split())
    assert f"{cli.server.url} (provider profile team)" in shown
    exported = json.loads(cli("sessions", "export", "last").stdout)
    assert exported["profile"] == "team" and exported["api_base"] == cli.server.url


@pytest.mark.parametrize(
    "model, fragment",
    [("tema/m", "did you mean team/m?"), ("anthropc/claude-x", "did you mean anthropic/claude-x?"),
     ("nothing-like-it/m", "neither a litellm provider nor a profile")],
)
def test_an_unknown_prefix_is_one_line_before_anything_is_sent(cli, write_config, model, fragment):
    write_config(profile_config(cli.server.url))
    cli("run", "-m", model, "--api-base", cli.server.url, "q").error_line(f"unknown provider {model.split('/')[0]!r}",
                                                                         fragment, code=1)
    assert cli.server.requests == []


def test_a_profiles_model_may_itself_hold_a_slash(cli, write_config, monkeypatch):
    """OpenRouter-style names: -m or/anthropic/claude-x reaches the server as anthropic/claude-x."""
    write_config(profile_config(cli.server.url, name="or", key_env="OR_KEY"))
    monkeypatch.setenv("OR_KEY", "sk-or")
    cli.server.enqueue(Reply("ok"))
    result = cli("run", "-m", "or/anthropic/claude-x", "q")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["model"] == "anthropic/claude-x"
    assert cli.server.requests[-1].api_key == "sk-or"
    assert only_session(cli.home).model == "or/anthropic/claude-x"
