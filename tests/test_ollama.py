"""Ollama models through real litellm against the loopback server's ``/api/chat``.

``ollama/NAME`` in litellm goes to ``/api/generate`` with the conversation flattened into one
prompt; appam sends it as ``ollama_chat/NAME`` (``/api/chat``, real roles) instead. The api_base
is the server's root URL, as for a real Ollama (``http://localhost:11434``). No key is needed.

Ollama's counts: ``prompt_eval_count`` (the prompt) and ``eval_count`` (everything generated,
thinking included: Ollama gives no separate thinking count, so the reasoning part is counted
from the thinking text).
"""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import only_session

STATS = {"prompt_eval_count": 26, "eval_count": 42}


def run_ollama(cli, *args, model="ollama/llama3.2"):
    return cli("run", *args, "-m", model, "--api-base", cli.server.root_url, "--retries", "2")


@pytest.mark.parametrize("model", ["ollama/llama3.2", "ollama_chat/llama3.2"])
def test_both_names_use_the_chat_endpoint_with_real_roles(cli, model):
    """Issue 10 item 8: ``ollama/NAME`` went to /api/generate with one flattened prompt."""
    cli.server.enqueue(Reply("Blue light scatters.", usage=STATS))
    result = run_ollama(cli, "-s", "Be brief.", "--temperature", "0.3", "--max-tokens", "50", "why blue?",
                        model=model)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Blue light scatters.\n"
    (request,) = cli.server.ollama_requests
    assert request.path == "/api/chat"
    assert request.api_key is None  # Ollama takes no key, and none is invented for it
    body = request.body
    assert body["model"] == "llama3.2" and body["stream"] is True
    assert [(m["role"], m["content"]) for m in body["messages"]] == [("system", "Be brief."), ("user", "why blue?")]
    assert (body["options"]["temperature"], body["options"]["num_predict"]) == (0.3, 50)
    assert only_session(cli.home).model == model


def test_thinking_and_counts_are_saved(cli):
    cli.server.enqueue(Reply("The sky is blue.", reasoning="Light scatters by wavelength.", usage=STATS))
    result = run_ollama(cli, "why blue?", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "completed"
    answer = data["messages"][-1]
    assert (answer["content"], answer["reasoning"]) == ("The sky is blue.", "Light scatters by wavelength.")
    usage = data["usage"]
    assert (usage["total_input_tokens"], usage["total_output_tokens"]) == (26, 42)
    assert 0 < usage["total_reasoning_tokens"] < 42  # counted from the thinking text, a part of eval_count
    assert usage["estimated_requests"] == 0
    (row,) = only_session(cli.home).requests
    assert (row.status, row.usage.estimated, row.cost_usd) == ("completed", False, None)  # a local model: unpriced


def test_no_stream_has_the_same_figures(cli):
    cli.server.enqueue(Reply("The sky is blue.", reasoning="Scattering.", usage=STATS))
    result = run_ollama(cli, "why blue?", "--no-stream", "--json")
    assert result.exit_code == 0, result.stderr
    assert cli.server.ollama_requests[-1].body["stream"] is False
    data = json.loads(result.stdout)
    assert (data["messages"][-1]["content"], data["messages"][-1]["reasoning"]) == ("The sky is blue.", "Scattering.")
    assert (data["usage"]["total_input_tokens"], data["usage"]["total_output_tokens"]) == (26, 42)


def test_a_cut_stream_is_incomplete_and_keeps_the_partial_answer(cli):
    cli.server.enqueue(Reply(["one ", "two ", "three ", "four"], drop_after=2, usage=STATS))
    result = run_ollama(cli, "count")
    assert result.exit_code == 4
    assert result.stdout.startswith("one two")
    session = only_session(cli.home)
    assert (session.status, session.messages[-1].content, session.messages[-1].status) == (
        "interrupted", "one two ", "incomplete")
    (row,) = session.requests
    assert (row.status, row.usage.estimated) == ("incomplete", True)


def test_a_stream_without_its_done_line_is_incomplete(cli):
    cli.server.enqueue(Reply("half an answer", finish_reason=None, usage=STATS))
    result = run_ollama(cli, "q")
    assert result.exit_code == 4
    assert only_session(cli.home).messages[-1].status == "incomplete"


def test_a_length_stop_is_a_finished_answer(cli):
    cli.server.enqueue(Reply("cut by num_predict", finish_reason="length", usage=STATS))
    result = run_ollama(cli, "q", "--max-tokens", "4", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "completed"


def test_continue_sends_the_whole_conversation_with_roles(cli):
    cli.server.enqueue(Reply("Rayleigh scattering.", reasoning="Think.", usage=STATS))
    first = run_ollama(cli, "-s", "Be brief.", "why is the sky blue?", "--json")
    assert first.exit_code == 0, first.stderr
    sid = json.loads(first.stdout)["session_id"]
    cli.server.enqueue(Reply("Longer paths at sunset.", usage=STATS))
    more = cli("continue", sid, "and at sunset?", "--api-base", cli.server.root_url, "--json")
    assert more.exit_code == 0, more.stderr
    body = cli.server.ollama_requests[-1].body
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "Be brief."),
        ("user", "why is the sky blue?"),
        ("assistant", "Rayleigh scattering."),
        ("user", "and at sunset?"),
    ]
    data = json.loads(more.stdout)
    assert data["status"] == "completed"
    assert (data["usage"]["total_input_tokens"], data["usage"]["request_count"]) == (52, 2)


def test_a_tool_call_arrives_whole(cli):
    cli.server.enqueue(Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}], usage=STATS))
    result = run_ollama(cli, "weather?", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    call = data["messages"][-1]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert data["status"] == "completed"


@pytest.mark.e2e
def test_a_separate_appam_process_talks_to_ollama_chat(provider, appam_home):
    import os
    import subprocess
    import sys

    provider.enqueue(Reply("Blue.", reasoning="Scattering.", usage=STATS))
    done = subprocess.run(
        [sys.executable, "-m", "appam_cli", "run", "why?", "-m", "ollama/llama3.2", "--api-base", provider.root_url,
         "--json"],
        env=dict(os.environ), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert provider.ollama_requests[-1].path == "/api/chat"
    data = json.loads(done.stdout)
    assert (data["status"], data["messages"][-1]["reasoning"], data["usage"]["total_output_tokens"]) == (
        "completed", "Scattering.", 42)
