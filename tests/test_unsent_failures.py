"""Nothing that failed before a request was sent creates a session or a ledger row.

A missing key, a model litellm cannot route, a server that cannot be reached, a budget or a
cost limit that refuses the prompt: nothing left the machine, so ``sessions list`` and ``usage``
show nothing of it; continuing a session it happened to leaves that session as it was. A
request that reached the provider and failed keeps its session (the prompt is not lost) and
its row: ``usage`` counts requests that were sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from provider_server import Drop, HTTPError, Reply
from sessions_store import add_request, load, only_session, sessions, snapshot

REFUSED = "http://127.0.0.1:9/v1"  # nothing listens on the discard port


def usage_requests(cli) -> int:
    result = cli("usage", "--json", "--by", "model")
    assert result.exit_code == 0, result.stderr
    return sum(g["requests"] for g in json.loads(result.stdout)["groups"])


def listed(cli) -> list[str]:
    result = cli("sessions", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line)["session_id"] for line in result.stdout.splitlines() if line.strip()]


def assert_nothing_recorded(cli) -> None:
    assert listed(cli) == []
    assert usage_requests(cli) == 0


UNSENT = {
    # a key the provider needs, not set
    "missing key": (["run", "hello", "-m", "anthropic/claude-sonnet-4-5"], 3, "set ANTHROPIC_API_KEY"),
    # a provider prefix neither litellm nor config.toml's profiles know: refused before any request
    "unknown model": (["run", "hello", "-m", "nosuchprovider/some-model", "--api-base", REFUSED], 1,
                      "unknown provider 'nosuchprovider'"),
    # nothing listens there: every attempt is refused, none reaches a server
    "bad api base": (["run", "hello", "-m", "openai/test-model", "--api-base", REFUSED, "--retries", "1"], 3,
                     "cannot reach"),
    "api base with no server name": (
        ["run", "hello", "-m", "openai/test-model", "--api-base", "http://no-such-host.invalid/v1", "--retries", "0"],
        3, "cannot reach"),
}


@pytest.fixture(params=["worker", "in-process"])
def where(request, monkeypatch):
    """Served by the shared worker (the error crosses the boundary) and by this process."""
    if request.param == "in-process":
        monkeypatch.setenv("APPAM_PROVIDER_WORKER", "0")
    return request.param


@pytest.mark.parametrize("case", sorted(UNSENT))
def test_a_request_never_sent_leaves_no_session_and_no_row(offline_cli, where, case):
    args, code, words = UNSENT[case]
    result = offline_cli(*args)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert "saved" not in result.stderr
    assert_nothing_recorded(offline_cli)


def test_a_budget_refusal_leaves_no_session(cli, write_config):
    write_config("[budget]\ndaily_usd = 1.00\n")
    add_request(cli.home, datetime.now(UTC), cost=1.5)  # used up today
    before = len(sessions(cli.home))
    result = cli.run("q")
    assert result.exit_code == 5
    assert "budget reached" in result.appam_lines()[0]
    assert cli.server.requests == []
    assert len(sessions(cli.home)) == before
    assert usage_requests(cli) == 1  # the one added above


def test_a_prompt_that_alone_passes_the_cap_leaves_no_session(cli, write_config):
    write_config('[prices."openai/test-model"]\ninput = 1000\noutput = 1000\n')
    result = cli.run("a prompt of several words that costs more than the limit", "--max-cost", "0.001")
    assert result.exit_code == 5
    assert "stopped before sending" in result.appam_lines()[0]
    assert "saved" not in result.stderr and "session" not in result.stdout
    assert cli.server.requests == []
    assert_nothing_recorded(cli)


def test_continuing_with_a_request_never_sent_leaves_the_session_as_it_was(cli, appam_home):
    cli.server.enqueue(Reply("first answer"))
    assert cli.run("first").exit_code == 0
    (sid,) = listed(cli)
    before = snapshot(appam_home)
    result = cli("continue", sid, "more", "--api-base", REFUSED, "--retries", "0")
    assert result.exit_code == 3 and "cannot reach" in result.stderr
    after = snapshot(appam_home)
    for rows in (before, after):  # (saving the session back stamps it)
        for row in rows["sessions"]:
            row.pop("updated_at")
    assert after == before  # not a row changed: messages, ledger, the session's own
    session = load(appam_home, sid)
    assert [m.content for m in session.messages] == ["first", "first answer"]
    assert session.status == "completed" and usage_requests(cli) == 1
    # and it can be continued as if nothing had happened
    cli.server.enqueue(Reply("second answer"))
    assert cli("continue", sid, "more", "--api-base", cli.server.url).exit_code == 0
    assert [m.content for m in load(appam_home, sid).messages] == ["first", "first answer", "more", "second answer"]


def test_a_request_that_reached_the_provider_and_failed_keeps_its_session_and_row(cli):
    cli.server.enqueue(HTTPError(401))
    result = cli.run("q")
    assert result.exit_code == 3 and "authentication failed" in result.stderr
    session = only_session(cli.home)
    assert session.status == "failed" and [(m.role, m.content) for m in session.messages] == [("user", "q")]
    assert [r.status for r in session.requests] == ["failed"]
    assert usage_requests(cli) == 1


def test_attempts_that_reached_the_server_each_count(cli):
    """A connection dropped after the server read the request: sent. Each attempt is a failed
    row, and the session keeps the prompt."""
    cli.server.enqueue(Drop(), Drop(), Drop())
    result = cli.run("q")
    assert result.exit_code == 3
    assert len(cli.server.requests) == 3
    session = only_session(cli.home)
    assert session.status == "failed"
    assert [r.status for r in session.requests] == ["failed", "failed", "failed"]
    assert usage_requests(cli) == 3


@pytest.mark.e2e
def test_a_chat_turn_never_sent_leaves_the_chat_session_as_it_was(provider, appam_home):
    import os
    import subprocess

    from conftest import APPAM

    provider.enqueue(Reply("fine"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["APPAM_HOME"] = str(appam_home)
    env.pop("ANTHROPIC_API_KEY", None)  # the second turn's model has no key: its request never leaves
    done = subprocess.run(
        [APPAM, "chat", "-m", "openai/test-model", "--api-base", provider.url, "--retries", "0"],
        input="one\n/model anthropic/claude-sonnet-4-5\ntwo\n", capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert "ANTHROPIC_API_KEY" in done.stderr and "Traceback" not in done.stderr
    session = only_session(appam_home)
    assert [(m.role, m.content) for m in session.messages] == [("user", "one"), ("assistant", "fine")]
    assert session.status == "completed" and [r.status for r in session.requests] == ["completed"]


def test_an_empty_key_variable_is_a_missing_key_and_nothing_is_recorded(offline_cli, where, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "")
    result = offline_cli("run", "hello", "-m", "openai/gpt-4o")
    assert result.exit_code == 3, result.stderr
    assert "OPENAI_API_KEY is set but empty" in result.stderr and "retrying" not in result.stderr
    assert_nothing_recorded(offline_cli)


def test_a_profiles_missing_key_is_never_sent_and_nothing_is_recorded(offline_cli, where, write_config,
                                                                       monkeypatch):
    monkeypatch.delenv("LAB_API_KEY", raising=False)
    write_config(f'[profiles.lab]\napi_base = "{REFUSED}"\napi_key_env = "LAB_API_KEY"\n')
    result = offline_cli("run", "hello", "-m", "lab/some-model")
    assert result.exit_code == 3, result.stderr
    assert "set LAB_API_KEY" in result.stderr
    assert_nothing_recorded(offline_cli)
