"""Parameters a model cannot take are named once on stderr; system prompts go in the model family's form."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import APPAM
from provider_server import Reply


def test_o_series_says_it_ignores_temperature_and_gets_a_developer_message(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli.run("-s", "Be terse.", "--temperature", "0.2", "--max-tokens", "50", "q", model="openai/o4-mini")
    assert result.exit_code == 0, result.stderr
    assert result.appam_lines() == ["appam: o4-mini ignores --temperature"]
    body = cli.server.requests[-1].body
    assert "temperature" not in body
    assert body["max_completion_tokens"] == 50  # sent, under the name OpenAI's reasoning models take
    # OpenAI: "With o1 models and newer, developer messages replace the previous system messages."
    assert body["messages"] == [
        {"role": "developer", "content": "Be terse."},
        {"role": "user", "content": "q"},
    ]


def test_a_model_that_takes_every_parameter_gets_them_without_a_word(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli.run("-s", "Be terse.", "--temperature", "0.2", "q", model="openai/gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    assert result.appam_lines() == []
    body = cli.server.requests[-1].body
    assert body["temperature"] == 0.2
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}


def test_continue_on_an_o_series_session_sends_the_stored_system_prompt_as_developer(cli):
    cli.server.enqueue(Reply("one"), Reply("two"))
    assert cli.run("-s", "Be terse.", "q1", model="openai/o3").exit_code == 0
    result = cli("continue", "last", "q2", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert [m["role"] for m in cli.server.requests[-1].body["messages"]] == ["developer", "user", "assistant", "user"]


@pytest.mark.e2e
def test_the_chat_says_it_once_for_many_turns(provider, appam_home):
    provider.enqueue(Reply("a"), Reply("b"), Reply("c"))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(
        [APPAM, "chat", "-m", "openai/o4-mini", "--api-base", provider.url, "--temperature", "0.5"],
        input="one\ntwo\nthree\n", capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("o4-mini ignores --temperature") == 1, done.stderr
    assert all("temperature" not in r.body for r in provider.requests[-3:])
