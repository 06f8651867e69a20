"""Gemini models through real litellm against the loopback server's Gemini API.

litellm 1.106.2 with an api_base sends ``gemini/<name>`` to
``{api_base}/models/<name>:streamGenerateContent?alt=sse`` (``:generateContent`` with
``--no-stream``), the key in ``x-goog-api-key``; so the api_base is the server's ``/v1beta``
(``server.gemini_url``), as for the real ``generativelanguage.googleapis.com/v1beta``.

Gemini's ``promptTokenCount`` already includes ``cachedContentTokenCount``; its
``candidatesTokenCount`` leaves out ``thoughtsTokenCount``. appam's output includes reasoning,
so output = candidates + thoughts.
"""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import only_session

MODEL = "gemini/gemini-2.5-flash"
# The trial of issue 10: 5,000 prompt tokens of which 4,000 cached, 300 answer + 200 thought tokens.
USAGE = {
    "promptTokenCount": 5000,
    "cachedContentTokenCount": 4000,
    "candidatesTokenCount": 300,
    "thoughtsTokenCount": 200,
    "totalTokenCount": 5500,
}
# Gemini 2.5 Flash, the bundled price map's rates (Google's published prices, per million tokens):
#   input $0.30, cached input $0.03, output $2.50 (thinking billed as output).
# 1,000 uncached x $0.30 + 4,000 cached x $0.03 + 500 out x $2.50 = $300 + $120 + $1,250 per million
EXPECTED_COST = (1000 * 0.30 + 4000 * 0.03 + 500 * 2.50) / 1_000_000  # $0.00167


@pytest.fixture(autouse=True)
def gemini_key(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-test-dummy")


def run_gemini(cli, *args):
    return cli("run", *args, "-m", MODEL, "--api-base", cli.server.gemini_url, "--retries", "2")


def test_a_complete_streamed_answer_is_complete_with_the_providers_usage(cli):
    """Issue 10 item 1: every streamed Gemini answer was saved incomplete (exit 4) with a
    local estimate (23 / 0 / 10 / 0) in place of the usage Gemini sent."""
    cli.server.enqueue(Reply("The sky scatters blue light.", reasoning="Rayleigh: shorter waves scatter more.",
                             usage=USAGE))
    result = run_gemini(cli, "-s", "Be brief.", "why is the sky blue?", "--json")
    assert result.exit_code == 0, result.stderr
    request = cli.server.gemini_requests[-1]
    assert request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert request.api_key == "gemini-test-dummy"
    assert request.public_headers["x-goog-api-key"] == "<hidden>"

    data = json.loads(result.stdout)
    assert data["status"] == "completed"
    answer = data["messages"][-1]
    assert (answer["content"], answer["reasoning"]) == ("The sky scatters blue light.",
                                                        "Rayleigh: shorter waves scatter more.")
    assert answer["status"] == "completed"
    usage = data["usage"]
    assert (usage["total_input_tokens"], usage["total_cache_read_tokens"], usage["total_output_tokens"],
            usage["total_reasoning_tokens"]) == (5000, 4000, 500, 200)
    assert usage["total_cost_usd"] == pytest.approx(EXPECTED_COST, rel=1e-9)
    assert usage["estimated_requests"] == 0
    (row,) = only_session(cli.home).requests
    assert (row.status, row.usage.estimated) == ("completed", False)
    assert row.cost_usd == pytest.approx(0.00167, rel=1e-9)


def test_the_footer_and_no_stream_agree(cli):
    cli.server.enqueue(Reply("Blue.", reasoning="Short.", usage=USAGE))
    streamed = run_gemini(cli, "why?")
    assert streamed.exit_code == 0, streamed.stderr
    assert streamed.stdout == "Blue.\n"
    assert "5,000 in (4,000 cached) / 500 out (200 reasoning) tokens" in streamed.stderr
    assert "$0.0017" in streamed.stderr
    cli.server.enqueue(Reply("Blue.", usage=USAGE))
    whole = run_gemini(cli, "why?", "--no-stream", "--json")
    assert whole.exit_code == 0, whole.stderr
    assert cli.server.gemini_requests[-1].path == "/v1beta/models/gemini-2.5-flash:generateContent"
    usage = json.loads(whole.stdout)["usage"]
    assert (usage["total_input_tokens"], usage["total_cache_read_tokens"], usage["total_output_tokens"],
            usage["total_reasoning_tokens"]) == (5000, 4000, 500, 200)


def test_thought_parts_are_reasoning_not_text(cli):
    cli.server.enqueue(Reply(["Forty", "-two."], reasoning=["First I ", "count."], usage=USAGE))
    result = run_gemini(cli, "answer?", "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)["messages"][-1]
    assert answer["content"] == "Forty-two."
    assert answer["reasoning"] == "First I count."


@pytest.mark.parametrize("finish", ["MAX_TOKENS", "SAFETY"])
def test_a_max_tokens_or_safety_finish_is_a_finished_answer(cli, finish):
    """The provider ended the answer itself: complete (as OpenAI's ``length`` is), with its usage."""
    cli.server.enqueue(Reply("The answer was cut at the", finish_reason=finish, usage=USAGE))
    result = run_gemini(cli, "long?", "--max-tokens", "8", "--json")
    assert result.exit_code == 0, result.stderr
    config = cli.server.gemini_requests[-1].body["generationConfig"]
    assert config.get("maxOutputTokens", config.get("max_output_tokens")) == 8  # the API takes either spelling
    data = json.loads(result.stdout)
    assert data["status"] == "completed"
    assert data["messages"][-1]["content"] == "The answer was cut at the"
    assert data["usage"]["total_output_tokens"] == 500 and data["usage"]["estimated_requests"] == 0


def test_a_cut_stream_is_incomplete_and_keeps_the_partial_answer(cli):
    cli.server.enqueue(Reply(["one ", "two ", "three ", "four"], drop_after=2, usage=USAGE))
    result = run_gemini(cli, "count")
    assert result.exit_code == 4
    assert result.stdout.startswith("one two")
    session = only_session(cli.home)
    assert session.status == "interrupted"
    assert session.messages[-1].content == "one two "
    assert session.messages[-1].status == "incomplete"
    (row,) = session.requests
    assert (row.status, row.usage.estimated) == ("incomplete", True)


def test_a_stream_that_ends_without_a_finish_reason_is_incomplete(cli):
    cli.server.enqueue(Reply("half an answer", finish_reason=None, usage=USAGE))
    result = run_gemini(cli, "q")
    assert result.exit_code == 4
    assert only_session(cli.home).messages[-1].status == "incomplete"


def test_continue_sends_the_whole_conversation_in_geminis_shape(cli):
    cli.server.enqueue(Reply("Rayleigh scattering.", usage=USAGE))
    first = run_gemini(cli, "-s", "Be brief.", "--temperature", "0.2", "why is the sky blue?", "--json")
    assert first.exit_code == 0, first.stderr
    sid = json.loads(first.stdout)["session_id"]
    assert cli.server.gemini_requests[-1].body["generationConfig"]["temperature"] == 0.2
    cli.server.enqueue(Reply("Longer paths at sunset.", usage=USAGE))
    more = cli("continue", sid, "and at sunset?", "--api-base", cli.server.gemini_url, "--json")
    assert more.exit_code == 0, more.stderr
    body = cli.server.gemini_requests[-1].body
    system = body.get("systemInstruction") or body.get("system_instruction")
    assert [p["text"] for p in system["parts"]] == ["Be brief."]
    assert [(c["role"], [p["text"] for p in c["parts"]]) for c in body["contents"]] == [
        ("user", ["why is the sky blue?"]),
        ("model", ["Rayleigh scattering."]),
        ("user", ["and at sunset?"]),
    ]
    data = json.loads(more.stdout)
    assert data["status"] == "completed" and data["usage"]["total_input_tokens"] == 10000


def test_a_function_call_part_becomes_a_tool_call(cli):
    cli.server.enqueue(Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}], usage=USAGE))
    result = run_gemini(cli, "weather?", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    call = data["messages"][-1]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert data["status"] == "completed"


@pytest.mark.e2e
def test_a_separate_appam_process_saves_a_complete_gemini_answer(provider, appam_home):
    import os
    import subprocess
    import sys

    provider.enqueue(Reply("Blue.", reasoning="Scattering.", usage=USAGE))
    done = subprocess.run(
        [sys.executable, "-m", "appam_cli", "run", "why?", "-m", MODEL, "--api-base", provider.gemini_url, "--json"],
        env={**os.environ, "GEMINI_API_KEY": "gemini-test-dummy"}, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["status"], data["messages"][-1]["content"], data["messages"][-1]["reasoning"]) == (
        "completed", "Blue.", "Scattering.")
    assert (data["usage"]["total_input_tokens"], data["usage"]["total_output_tokens"]) == (5000, 500)
