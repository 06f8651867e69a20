"""Anthropic models through real litellm against the loopback server's ``/v1/messages``.

litellm 1.106.2 builds the URL as ``api_base + "/v1/messages"`` (unless api_base already ends
with it), so the api_base is the server's root URL (``server.anthropic_url``). Anthropic's
``input_tokens`` leaves out the cache tokens; litellm adds cache creation and cache read into
``prompt_tokens``, which is appam's meaning of input (it includes both).
"""

from __future__ import annotations

import json
import os

import pytest
from provider_server import HTTPError, Reply, rate_limit_error
from sessions_store import only_session

MODEL = "anthropic/claude-sonnet-4-5"
# Anthropic's usage for one request that wrote 2,000 tokens to the cache and read 5,000 from it.
CACHED_USAGE = {
    "input_tokens": 100,
    "cache_creation_input_tokens": 2000,
    "cache_read_input_tokens": 5000,
    "output_tokens": 500,
}
# Claude Sonnet 4.5, published per-token rates (anthropic.com pricing, per million tokens):
#   base input $3, 5-minute cache write $3.75, cache read (hit) $0.30, output $15.
# 100 x $3 + 2,000 x $3.75 + 5,000 x $0.30 + 500 x $15 = $300 + $7,500 + $1,500 + $7,500 per million
EXPECTED_COST = (100 * 3.00 + 2000 * 3.75 + 5000 * 0.30 + 500 * 15.00) / 1_000_000  # $0.0168


@pytest.fixture(autouse=True)
def anthropic_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")


def run_claude(cli, *args):
    return cli("run", *args, "-m", MODEL, "--api-base", cli.server.anthropic_url, "--retries", "2")


def test_streamed_answer_with_thinking_and_cache_tokens(cli):
    cli.server.enqueue(Reply("The sky scatters blue light.", reasoning="Rayleigh scattering, shorter waves.",
                             usage=CACHED_USAGE))
    result = run_claude(cli, "-s", "Be brief.", "why is the sky blue?", "--json")
    assert result.exit_code == 0, result.stderr
    request = cli.server.messages_requests[-1]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test-dummy"
    assert request.body["stream"] is True
    assert request.body["model"] == "claude-sonnet-4-5"
    assert "Be brief." in json.dumps(request.body["system"])

    data = json.loads(result.stdout)
    answer = data["messages"][-1]
    assert answer["content"] == "The sky scatters blue light."
    assert answer["reasoning"] == "Rayleigh scattering, shorter waves."
    usage = data["usage"]
    # input = uncached 100 + cache write 2,000 + cache read 5,000
    assert usage["total_input_tokens"] == 7100
    assert usage["total_cache_creation_tokens"] == 2000
    assert usage["total_cache_read_tokens"] == 5000
    assert usage["total_output_tokens"] == 500
    assert 0 < usage["total_reasoning_tokens"] < 500  # counted from the thinking text (a subset of output)
    assert usage["total_cost_usd"] == pytest.approx(EXPECTED_COST, rel=1e-9)
    assert usage["estimated_requests"] == 0

    (row,) = only_session(cli.home).requests
    u = row.usage
    assert (u.input_tokens, u.cache_creation_tokens, u.cache_read_tokens, u.output_tokens) == (7100, 2000, 5000, 500)
    assert row.cost_usd == pytest.approx(0.0168, rel=1e-9)
    assert u.estimated is False
    assert row.status == "completed"


def test_footer_shows_cache_tokens_and_cost(cli):
    cli.server.enqueue(Reply("Blue.", usage=CACHED_USAGE))
    result = run_claude(cli, "why?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Blue.\n"
    assert "7,100 in (5,000 cached, 2,000 cache write) / 500 out tokens" in result.stderr
    assert "$0.0168" in result.stderr


def test_non_streamed_answer_has_the_same_figures(cli):
    cli.server.enqueue(Reply("Blue.", usage=CACHED_USAGE))
    result = run_claude(cli, "why?", "--no-stream", "--json")
    assert result.exit_code == 0, result.stderr
    assert "stream" not in cli.server.messages_requests[-1].body or not cli.server.messages_requests[-1].body["stream"]
    usage = json.loads(result.stdout)["usage"]
    assert (usage["total_input_tokens"], usage["total_output_tokens"]) == (7100, 500)
    assert (usage["total_cache_creation_tokens"], usage["total_cache_read_tokens"]) == (2000, 5000)
    assert usage["total_cost_usd"] == pytest.approx(EXPECTED_COST, rel=1e-9)


def test_no_cache_tokens_input_is_just_input(cli):
    cli.server.enqueue(Reply("Hi.", usage={"input_tokens": 12, "output_tokens": 3}))
    result = run_claude(cli, "hi", "--json")
    usage = json.loads(result.stdout)["usage"]
    assert (usage["total_input_tokens"], usage["total_output_tokens"], usage["total_cache_read_tokens"]) == (12, 3, 0)
    # $3 / M input, $15 / M output
    assert usage["total_cost_usd"] == pytest.approx((12 * 3 + 3 * 15) / 1_000_000, rel=1e-9)


def test_tool_use_block_becomes_a_tool_call(cli):
    cli.server.enqueue(Reply(tool_calls=[{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}]))
    result = run_claude(cli, "weather?", "--json")
    assert result.exit_code == 0, result.stderr
    call = json.loads(result.stdout)["messages"][-1]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}


def test_anthropic_rate_limit_is_retried(cli):
    cli.server.enqueue(rate_limit_error(retry_after=0), Reply("after the wait", usage={"input_tokens": 5, "output_tokens": 3}))
    result = run_claude(cli, "q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "after the wait\n"
    assert len(cli.server.messages_requests) == 2


def test_anthropic_auth_error_is_one_line(cli):
    cli.server.enqueue(HTTPError(401))
    result = run_claude(cli, "q")
    assert result.exit_code == 3
    lines = result.appam_lines()
    assert len(lines) == 1 and "authentication failed" in lines[0]
    assert "Traceback" not in result.stderr


def test_anthropic_stream_cut_is_incomplete_and_estimated(cli):
    cli.server.enqueue(Reply(["one ", "two ", "three ", "four"], drop_after=2, usage=CACHED_USAGE))
    result = run_claude(cli, "count")
    assert result.exit_code == 4
    assert result.stdout.startswith("one two")
    (row,) = only_session(cli.home).requests
    assert (row.status, row.usage.estimated) == ("incomplete", True)
    assert "(estimated)" in result.stderr


@pytest.mark.e2e
def test_an_error_event_inside_a_200_stream_is_retried_and_its_response_closed(provider, appam_home):
    """Anthropic can answer 200, start the message, then send ``event: error`` (overloaded).
    The failed attempt's response must be closed before the retry: left to the garbage
    collector, it was finalised while the next attempt held httpcore's pool lock, and the
    process hung. The server keeps that stream open and notes when appam lets go of it;
    the collector runs at almost every allocation here, to shake out a finaliser race."""
    import subprocess
    import sys

    code = "import gc, sys; gc.set_threshold(1); from appam_cli.__main__ import main; sys.argv[0] = 'appam'; main()"
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-test-dummy"}
    for attempt in range(3):
        provider.enqueue(Reply("", error_event="overloaded_error"), Reply(f"answer {attempt}"))
        done = subprocess.run(
            [sys.executable, "-c", code, "run", "q", "-m", MODEL, "--api-base", provider.anthropic_url,
             "--retries", "2", "--raw"],
            env=env, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"answer {attempt}\n"
        cut, retried = provider.requests[-2:]
        closed_at = provider.error_streams_closed_at[-1]
        assert closed_at is not None and closed_at <= retried.time, "the cut stream stayed open into the retry"


def test_continue_sends_the_whole_conversation_in_anthropics_shape(cli):
    """Anthropic's Messages API takes the system prompt as a top-level ``system`` field (never a
    message), the turns as alternating ``user``/``assistant`` messages, and ``max_tokens`` always."""
    cli.server.enqueue(Reply("Rayleigh scattering.", usage=CACHED_USAGE))
    first = run_claude(cli, "-s", "Be brief.", "--temperature", "0.2", "--max-tokens", "300",
                       "why is the sky blue?", "--json")
    assert first.exit_code == 0, first.stderr
    sid = json.loads(first.stdout)["session_id"]
    cli.server.enqueue(Reply("Longer paths at sunset.", usage=CACHED_USAGE))
    more = cli("continue", sid, "and at sunset?", "--api-base", cli.server.anthropic_url, "--json")
    assert more.exit_code == 0, more.stderr
    sent = [r for r in cli.server.requests if r.path.endswith("/v1/messages")]
    assert len(sent) == 2
    body = sent[-1].body
    system = body["system"]
    texts = [system] if isinstance(system, str) else [block["text"] for block in system]
    assert texts == ["Be brief."]

    def text_of(content):
        return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)

    assert [(m["role"], text_of(m["content"])) for m in body["messages"]] == [
        ("user", "why is the sky blue?"),
        ("assistant", "Rayleigh scattering."),
        ("user", "and at sunset?"),
    ]
    assert body["model"] == "claude-sonnet-4-5" and body["stream"] is True
    assert sent[0].body["max_tokens"] == 300 and sent[0].body["temperature"] == 0.2
    assert body["max_tokens"] > 0  # required by Anthropic on every request (options are per command)
    data = json.loads(more.stdout)
    assert data["status"] == "completed" and data["usage"]["total_input_tokens"] == 2 * 7100
