"""`appam run` end to end: real CLI, real litellm, loopback provider."""

from __future__ import annotations

import json

from provider_server import Hang, HTTPError, Reply, auth_error, context_window_error, rate_limit_error
from sessions_store import only_session, saved_requests, sessions

SEED_KEYS = {"session_id", "agent_name", "model", "messages", "started_at", "ended_at", "usage"}
USAGE_KEYS = {
    "total_input_tokens",
    "total_output_tokens",
    "total_cache_creation_tokens",
    "total_cache_read_tokens",
    "total_reasoning_tokens",
    "total_cost_usd",
    "request_count",
}


def test_plain_answer_is_printed_and_saved(cli):
    cli.server.enqueue(Reply(["Hello", ", wor", "ld!"], usage={"prompt_tokens": 12, "completion_tokens": 3}))
    result = cli.run("say hello")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello, world!\n"
    assert "Traceback" not in result.stderr
    session = only_session(cli.home)
    assert session.status == "completed"
    assert session.title == "say hello"
    assert session.ended_at is not None
    usage = session.usage
    assert (usage.total_input_tokens, usage.total_output_tokens, usage.request_count) == (12, 3, 1)
    assert [(m.role, m.content, m.status, m.model) for m in session.messages] == [
        ("user", "say hello", "completed", None),
        ("assistant", "Hello, world!", "completed", "openai/test-model"),
    ]
    assert f"session {session.session_id[:8]}" in result.stderr
    assert "12 in / 3 out tokens" in result.stderr


def test_request_sent_to_provider(cli):
    cli.server.enqueue(Reply("ok"))
    cli.run("-s", "Be terse.", "--temperature", "0.2", "--max-tokens", "50", "question")
    body = cli.server.requests[-1].body
    assert body["messages"] == [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "question"},
    ]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 50
    # openai/... with --api-base and no OPENAI_API_KEY: a placeholder key is sent
    assert cli.server.requests[-1].headers.get("authorization", "").startswith("Bearer ")


def test_json_output_holds_only_the_session(cli):
    cli.server.enqueue(Reply("The answer.", usage={"prompt_tokens": 5, "completion_tokens": 2}))
    result = cli.run("--json", "q")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert SEED_KEYS <= set(data)
    assert USAGE_KEYS <= set(data["usage"])
    assert data["session_id"] == only_session(cli.home).session_id
    assert data["agent_name"] == "default"
    assert data["model"] == "openai/test-model"
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["content"] == "The answer."
    assert data["usage"]["total_input_tokens"] == 5
    assert data["usage"]["request_count"] == 1
    assert data["ended_at"].endswith("Z")
    assert data["status"] == "completed"


def test_reasoning_cache_and_reasoning_tokens_are_recorded(cli):
    cli.server.enqueue(
        Reply(
            "Forty-two.",
            reasoning="Let me think about this.",
            usage={
                "prompt_tokens": 2000,
                "completion_tokens": 300,
                "prompt_tokens_details": {"cached_tokens": 1536},
                "completion_tokens_details": {"reasoning_tokens": 256},
            },
        )
    )
    result = cli.run("meaning of life?", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["messages"][-1]["reasoning"] == "Let me think about this."
    assert data["messages"][-1]["content"] == "Forty-two."
    usage = data["usage"]
    assert usage["total_input_tokens"] == 2000
    assert usage["total_cache_read_tokens"] == 1536
    assert usage["total_output_tokens"] == 300
    assert usage["total_reasoning_tokens"] == 256
    (req,) = only_session(cli.home).requests
    assert (req.usage.cache_read_tokens, req.usage.reasoning_tokens, req.usage.estimated) == (1536, 256, False)
    assert req.ttft_ms is not None and req.duration_ms >= req.ttft_ms


def test_known_model_is_priced_unknown_model_is_not(cli):
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 1000, "completion_tokens": 1000}))
    result = cli.run("q", "--json", model="openai/gpt-4o-mini")
    usage = json.loads(result.stdout)["usage"]
    assert usage["total_cost_usd"] > 0
    assert usage["unpriced_requests"] == 0
    cli.server.enqueue(Reply("b", usage={"prompt_tokens": 1000, "completion_tokens": 1000}))
    result = cli.run("q", "--json", model="openai/no-such-priced-model")
    usage = json.loads(result.stdout)["usage"]
    assert usage["total_cost_usd"] == 0 and usage["unpriced_requests"] == 1
    assert "cost unknown" in result.stderr
    costs = [r.cost_usd for r in saved_requests(cli.home)]
    assert len(costs) == 2 and costs[0] > 0 and costs[1] is None


def test_tool_call_is_stored_on_the_assistant_message(cli):
    cli.server.enqueue(Reply(tool_calls=[{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]))
    result = cli.run("weather?", "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)["messages"][-1]
    assert answer["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    ]
    (stored,) = [m for m in only_session(cli.home).messages if m.role == "assistant"]
    assert stored.tool_calls == answer["tool_calls"]


def test_rate_limit_is_retried_honouring_retry_after(cli):
    cli.server.enqueue(rate_limit_error(retry_after=1), Reply("after the wait"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "after the wait\n"
    assert len(cli.server.requests) == 2
    gap = cli.server.requests[1].time - cli.server.requests[0].time
    assert gap >= 0.9
    assert "retrying in 1.0 s" in result.stderr


def test_server_errors_exhaust_retries_with_one_line(cli):
    cli.server.enqueue(HTTPError(500), HTTPError(502), HTTPError(503))
    result = cli.run("q")
    assert result.exit_code == 3
    assert len(cli.server.requests) == 3  # --retries 2
    lines = result.appam_lines()
    assert len(lines) == 1 and "server error" in lines[0] and "HTTP 503" in lines[0]
    assert "Traceback" not in result.stderr
    session = only_session(cli.home)
    assert session.status == "failed"
    # the prompt is not lost
    assert [(m.role, m.content) for m in session.messages] == [("user", "q")]


def test_auth_error_is_not_retried(cli):
    cli.server.enqueue(auth_error())
    result = cli.run("q")
    assert result.exit_code == 3
    assert len(cli.server.requests) == 1
    assert "authentication failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_context_window_error(cli):
    cli.server.enqueue(context_window_error())
    result = cli.run("q")
    assert result.exit_code == 3
    assert "context window" in result.stderr
    assert len(cli.server.requests) == 1


def test_unknown_model_404(cli):
    cli.server.enqueue(HTTPError(404))
    result = cli.run("q", model="openai/nope")
    assert result.exit_code == 3
    assert "unknown model 'openai/nope'" in result.stderr


def test_timeout(cli):
    cli.server.enqueue(Hang(5))
    result = cli("run", "q", "-m", "openai/test-model", "--api-base", cli.server.url, "--timeout", "0.5", "--retries", "0")
    assert result.exit_code == 3
    assert "timed out" in result.stderr


def test_connection_refused(cli):
    result = cli("run", "q", "-m", "openai/test-model", "--api-base", "http://127.0.0.1:9/v1", "--retries", "0")
    assert result.exit_code == 3
    assert "cannot reach http://127.0.0.1:9/v1" in result.stderr
    assert "Traceback" not in result.stderr


def test_dropped_connection_is_saved_incomplete(cli):
    cli.server.enqueue(Reply(["one ", "two ", "three ", "four ", "five"], drop_after=3))
    result = cli.run("count")
    assert result.exit_code == 4
    assert result.stdout.startswith("one two three")
    assert "cut off" in result.stderr
    assert len(cli.server.requests) == 1  # never retried once the answer started
    session = only_session(cli.home)
    assert session.status == "interrupted"
    (answer,) = [m for m in session.messages if m.role == "assistant"]
    assert answer.status == "incomplete"
    assert answer.content == "one two three "
    (req,) = session.requests
    assert (req.status, req.usage.estimated) == ("incomplete", True)


def test_stream_without_finish_reason_is_incomplete(cli):
    cli.server.enqueue(Reply("all the words arrived", finish_reason=None))
    result = cli.run("q")
    assert result.exit_code == 4
    assert result.stdout.strip() == "all the words arrived"
    session = only_session(cli.home)
    assert [(m.content, m.status) for m in session.messages if m.role == "assistant"] == [
        ("all the words arrived", "incomplete")
    ]
    assert session.status == "interrupted"


def test_no_stream(cli):
    cli.server.enqueue(Reply("whole answer", usage={"prompt_tokens": 4, "completion_tokens": 2}))
    result = cli.run("q", "--no-stream")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "whole answer\n"
    assert not cli.server.requests[-1].body.get("stream")  # litellm omits stream=false
    assert only_session(cli.home).usage.total_output_tokens == 2


def test_piped_stdin_follows_the_prompt(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli.run("summarise", input="line one\nline two\n")
    assert result.exit_code == 0
    assert cli.server.requests[-1].body["messages"][-1]["content"] == "summarise\n\nline one\nline two"


def test_dash_reads_the_prompt_from_stdin(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli.run("-", input="the whole prompt\n")
    assert result.exit_code == 0
    assert cli.server.requests[-1].body["messages"][-1]["content"] == "the whole prompt"


def test_no_save(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli.run("q", "--no-save")
    assert result.exit_code == 0
    assert "not saved" in result.stderr
    assert not (cli.home / "sessions.db").exists() or sessions(cli.home) == []


def test_continue_flag_appends_to_the_last_session(cli):
    cli.server.enqueue(Reply("first", usage={"prompt_tokens": 3, "completion_tokens": 1}))
    cli.run("one")
    cli.server.enqueue(Reply("second", usage={"prompt_tokens": 6, "completion_tokens": 1}))
    result = cli.run("-c", "two", model="openai/other-model")
    assert result.exit_code == 0, result.stderr
    session = only_session(cli.home)
    assert (session.usage.total_input_tokens, session.usage.request_count) == (9, 2)
    assert [m["content"] for m in cli.server.requests[-1].body["messages"]] == ["one", "first", "two"]
    models = [m.model for m in session.messages if m.role == "assistant"]
    assert models == ["openai/test-model", "openai/other-model"]


def test_no_model_and_no_key(offline_cli):
    result = offline_cli("run", "hello")
    assert result.exit_code == 3
    assert "OPENAI_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_key_names_the_variable(offline_cli):
    result = offline_cli("run", "hello", "-m", "anthropic/claude-sonnet-4-5")
    assert result.exit_code == 3
    assert "set ANTHROPIC_API_KEY" in result.stderr


def test_default_model_comes_from_the_first_key_set(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli(
        "run", "--json", "hi", "--api-base", cli.server.url, env={"OPENAI_API_KEY": "sk-test-not-real"}
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["model"] == "gpt-4o-mini"
    assert cli.server.requests[-1].headers["authorization"] == "Bearer sk-test-not-real"


def test_model_from_environment_and_config(cli, write_config):
    write_config(f'model = "openai/from-config"\napi_base = "{cli.server.url}"\n')
    cli.server.enqueue(Reply("a"), Reply("b"), Reply("c"))
    assert json.loads(cli("run", "--json", "x").stdout)["model"] == "openai/from-config"
    result = cli("run", "--json", "x", env={"APPAM_MODEL": "openai/from-env"})
    assert json.loads(result.stdout)["model"] == "openai/from-env"
    result = cli("run", "--json", "x", "-m", "openai/from-flag", env={"APPAM_MODEL": "openai/from-env"})
    assert json.loads(result.stdout)["model"] == "openai/from-flag"


def test_invalid_config_is_one_line(offline_cli, write_config):
    write_config("model = [unclosed\n")
    result = offline_cli("run", "hi", "-m", "openai/x")
    assert result.exit_code == 1
    assert "invalid config file" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_values_of_the_wrong_type_or_unknown_keys_are_one_line(offline_cli, write_config):
    for text, expected in [
        ("model = 5\n", "model"),
        ('modle = "gpt-4o-mini"\n', "unknown key modle"),
        ("[history]\nbogus = 1\n", "unknown key history.bogus"),
    ]:
        write_config(text)
        result = offline_cli("run", "hi")
        assert result.exit_code == 1, text
        assert "invalid" in result.stderr and expected in result.stderr
        assert "Traceback" not in result.stderr


def test_continuing_after_an_unanswered_tool_call_leaves_the_call_out(cli):
    """appam does not run tools yet: a saved tool call has no tool reply, and providers refuse
    a conversation with an unanswered call, so the next request leaves it out."""
    cli.server.enqueue(Reply("Let me check.", tool_calls=[{"id": "call_9", "name": "lookup", "arguments": {"q": 1}}]))
    assert cli.run("look it up").exit_code == 0
    cli.server.enqueue(Reply("Fine."))
    result = cli.run("-c", "never mind")
    assert result.exit_code == 0, result.stderr
    sent = cli.server.requests[-1].body["messages"]
    assert sent[1] == {"role": "assistant", "content": "Let me check."}
    stored = only_session(cli.home).messages[1]
    assert [call["id"] for call in stored.tool_calls] == ["call_9"]  # the store keeps it
