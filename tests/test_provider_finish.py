"""Completeness comes from what the provider sent, whichever of litellm's stream handlers reads it.

The OpenAI-compatible providers below go through different litellm handlers (the openai SDK's
stream for ``openai/``, litellm's own iterators for the rest). For the latter, litellm 1.106.2
sets ``received_finish_reason="stop"`` even when the provider's stream ended with no finish
reason at all, so such a stream was saved complete.
"""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import only_session

PROVIDERS = [
    ("openai/test-model", "OPENAI_API_KEY"),
    ("mistral/mistral-small-latest", "MISTRAL_API_KEY"),
    ("deepseek/deepseek-chat", "DEEPSEEK_API_KEY"),
    ("openrouter/openai/gpt-4o-mini", "OPENROUTER_API_KEY"),
]
USAGE = {"prompt_tokens": 12, "completion_tokens": 5}


def run(cli, monkeypatch, model, env, *args):
    monkeypatch.setenv(env, "sk-test-dummy")
    return cli("run", *args, "-m", model, "--api-base", cli.server.url, "--retries", "0")


@pytest.mark.parametrize(("model", "env"), PROVIDERS)
def test_a_stream_that_ends_without_a_finish_reason_is_incomplete(cli, monkeypatch, model, env):
    cli.server.enqueue(Reply("half an answer", finish_reason=None, usage=USAGE))
    result = run(cli, monkeypatch, model, env, "q")
    assert result.exit_code == 4, result.stderr
    session = only_session(cli.home)
    assert (session.status, session.messages[-1].content, session.messages[-1].status) == (
        "interrupted", "half an answer", "incomplete")


@pytest.mark.parametrize(("model", "env"), PROVIDERS)
def test_a_finished_stream_is_complete_with_the_providers_usage(cli, monkeypatch, model, env):
    cli.server.enqueue(Reply("a whole answer", usage=USAGE))
    result = run(cli, monkeypatch, model, env, "q", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "completed"
    assert (data["usage"]["total_input_tokens"], data["usage"]["total_output_tokens"]) == (12, 5)
    assert data["usage"]["estimated_requests"] == 0
