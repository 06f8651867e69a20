"""Provider faults reported as what they are, through real litellm against the loopback server.

Error bodies follow each provider's documentation: Anthropic ``{"type": "error", "error": {"type",
"message"}}`` (529 ``overloaded_error``, 429 ``rate_limit_error`` with ``retry-after``), OpenAI
``{"error": {"message", "type", "param", "code"}}``, Gemini ``{"error": {"code", "message", "status"}}``,
Ollama ``{"error": "text"}``.
"""

from __future__ import annotations

import re
import socket

import pytest
from provider_server import Hang, HTTPError, Raw, Reply

from appam_cli.providers.errors import provider_message

CLAUDE = "anthropic/claude-sonnet-4-5"
HTML = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n"


@pytest.fixture(autouse=True)
def anthropic_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")


def run_openai(cli, *args):
    return cli("run", "q", "-m", "openai/test-model", "--api-base", cli.server.url, "--retries", "1", *args)


def run_claude(cli, *args):
    return cli("run", "q", "-m", CLAUDE, "--api-base", cli.server.anthropic_url, "--retries", "1", *args)


def lines(result):
    return result.stderr.strip().splitlines()


def not_the_protocol(cli, what):
    return f"appam: the server at {cli.server.url} did not answer in the OpenAI format: {what}"


# ---------------------------------------------------------------- a 200 that is not the protocol


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_streamed_html_page_is_named_not_an_incomplete_answer(cli, chunked):
    cli.server.enqueue(Raw(HTML, chunked=chunked), Raw(HTML, chunked=chunked))
    result = run_openai(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [not_the_protocol(cli, "got text/html")]
    assert result.stdout == ""
    assert len(cli.server.chat_requests) == 1  # a web page is not retried


def test_html_page_without_streaming(cli):
    cli.server.enqueue(Raw(HTML), Raw(HTML))
    result = run_openai(cli, "--no-stream")
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [not_the_protocol(cli, "got an HTML page")]


def test_garbage_body(cli):
    cli.server.enqueue(Raw(b"\x00\x01\x02garbage\xff", content_type="application/octet-stream"))
    result = run_openai(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [not_the_protocol(cli, "got application/octet-stream")]


def test_bad_json_inside_the_event_stream(cli):
    stream = 'data: {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": \n\n'
    cli.server.enqueue(*[Raw(stream, content_type="text/event-stream", chunked=True)] * 2)
    result = run_openai(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [not_the_protocol(cli, "its answer is not valid JSON (Expecting value at character 67)")]
    assert "HTTP 500" not in result.stderr


def test_bad_json_without_streaming(cli):
    cli.server.enqueue(Raw('{"id": "chatcmpl-1", "choices": [', content_type="application/json"))
    result = run_openai(cli, "--no-stream")
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [not_the_protocol(cli, "its answer is not valid JSON (Expecting value at character 33)")]


def test_anthropic_html_page_names_the_anthropic_format(cli):
    cli.server.enqueue(Raw(HTML))
    result = run_claude(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [
        f"appam: the server at {cli.server.anthropic_url} did not answer in the Anthropic format: got text/html"
    ]


# ---------------------------------------------------------------- the real status and the provider's words


def test_anthropic_529_overloaded(cli):
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    cli.server.enqueue(*[HTTPError(529, overloaded, headers={"retry-after": "0"})] * 2)
    result = run_claude(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == [
        "HTTP 529: overloaded_error: Overloaded; retrying in 0.0 s (attempt 2 of 2)",
        f"appam: server error from {cli.server.anthropic_url} (HTTP 529) after 2 attempts: overloaded_error: Overloaded",
    ]


def test_anthropic_429_honours_retry_after_and_says_why(cli):
    limited = {"type": "error", "error": {"type": "rate_limit_error",
                                          "message": "Number of request tokens has exceeded your per-minute rate limit"}}
    cli.server.enqueue(*[HTTPError(429, limited, headers={"retry-after": "1"})] * 2)
    result = run_claude(cli)
    assert result.exit_code == 3, result.stderr
    why = "rate_limit_error: Number of request tokens has exceeded your per-minute rate limit"
    assert lines(result) == [
        f"rate limited (HTTP 429): {why}; retrying in 1.0 s (attempt 2 of 2)",
        f"appam: rate limited by {cli.server.anthropic_url} (HTTP 429) after 2 attempts: {why}",
    ]
    first, second = cli.server.messages_requests
    assert second.time - first.time >= 0.9


def test_error_event_inside_a_200_stream_is_no_http_500(cli):
    cli.server.enqueue(*[Reply("never", error_event="overloaded_error")] * 2)
    result = run_claude(cli)
    assert result.exit_code == 3, result.stderr
    out = lines(result)
    assert re.fullmatch(r"error from the provider: Overloaded; retrying in \d\.\d s \(attempt 2 of 2\)", out[0]), out
    assert out[1:] == [f"appam: error from {cli.server.anthropic_url} after 2 attempts: Overloaded"]


def test_openai_503_keeps_its_status_and_message(cli):
    cli.server.enqueue(*[HTTPError(503, headers={"retry-after": "0"})] * 2)
    result = run_openai(cli)
    assert result.exit_code == 3, result.stderr
    why = "The engine is currently overloaded, please try again later"
    assert lines(result) == [
        f"HTTP 503: {why}; retrying in 0.0 s (attempt 2 of 2)",
        f"appam: server error from {cli.server.url} (HTTP 503) after 2 attempts: {why}.",
    ]


def test_plain_text_error_body_is_shown_as_text(cli):
    cli.server.enqueue(HTTPError(400, "upstream said no"))
    result = run_openai(cli)
    assert result.exit_code == 3, result.stderr
    assert lines(result) == ["appam: the provider refused the request (HTTP 400): upstream said no"]


# ---------------------------------------------------------------- no HTTP answer at all


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "base, reason",
    [(f"http://127.0.0.1:{free_port()}/v1", "connection refused"), ("http://appam-test.invalid/v1", "host not found")],
    ids=["refused", "unresolvable"],
)
def test_connection_failures_are_named_in_the_retry_notice_too(cli, base, reason):
    result = cli("run", "q", "-m", "openai/test-model", "--api-base", base, "--retries", "1")
    assert result.exit_code == 3, result.stderr
    out = lines(result)
    assert re.fullmatch(rf"{reason}; retrying in \d\.\d s \(attempt 2 of 2\)", out[0]), out
    assert out[1:] == [f"appam: cannot reach {base} after 2 attempts: {reason}"]
    assert "HTTP" not in result.stderr


# ---------------------------------------------------------------- --debug keeps keys out too


def test_debug_scrubs_a_key_the_error_body_echoes(cli, monkeypatch):
    key = "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    echo = {"error": {"message": f"Incorrect API key provided: {key}. You can find your API key at "
                                 "https://platform.openai.com/account/api-keys.",
                      "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    cli.server.enqueue(HTTPError(401, echo))
    result = cli("run", "q", "-m", "openai/test-model", "--api-base", cli.server.url, "--debug")
    assert cli.server.chat_requests[0].headers["authorization"] == f"Bearer {key}"
    assert result.exit_code == 3, result.stderr
    assert result.exception is None
    assert "Traceback" in result.stderr  # --debug still shows where it failed
    assert key not in result.stderr and key[8:] not in result.stderr
    assert lines(result)[-1] == (
        "appam: authentication failed for openai/test-model (HTTP 401): Incorrect API key provided: sk-…. "
        "You can find your API key at https://platform.openai.com/account/api-keys."
    )


def test_debug_scrubs_a_key_of_any_shape(cli, monkeypatch):
    key = "local-server-password-42"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    cli.server.enqueue(HTTPError(401, {"error": f"key {key} is not allowed here"}))
    result = cli("run", "q", "-m", "openai/test-model", "--api-base", cli.server.url, "--debug")
    assert result.exit_code == 3, result.stderr
    assert key not in result.stderr
    assert lines(result)[-1] == "appam: authentication failed for openai/test-model (HTTP 401): key loc… is not allowed here"


# ---------------------------------------------------------------- the providers' error shapes


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"}',
         "overloaded_error: Overloaded"),
        ('{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", '
         '"status": "RESOURCE_EXHAUSTED"}}', "RESOURCE_EXHAUSTED: Resource has been exhausted (e.g. check quota)."),
        ('[{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}]',
         "UNAVAILABLE: The model is overloaded."),
        ('{"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}}',
         "The server had an error"),
        ('{"error": "model \'llama3.2\' not found"}', "model 'llama3.2' not found"),
        ("<html>Bad Gateway</html>", None),
    ],
    ids=["anthropic", "gemini", "gemini-stream", "openai", "ollama", "html"],
)
def test_provider_message_reads_each_documented_shape(body, expected):
    assert provider_message(body) == expected


def test_a_timeout_is_named_in_the_retry_notice_and_the_final_line(cli):
    cli.server.enqueue(Hang(3), Hang(3))
    result = run_openai(cli, "--timeout", "0.5")
    assert result.exit_code == 3, result.stderr
    out = lines(result)
    assert re.fullmatch(r"timed out; retrying in \d\.\d s \(attempt 2 of 2\)", out[0]), out
    assert out[1:] == [f"appam: request to {cli.server.url} timed out (2 attempts of 0.5 s)"]


def test_ctrl_c_while_the_model_thinks_closes_the_response_at_once(provider, monkeypatch):
    """Ctrl-C after the stream opened but before any text (a reasoning model sends its role chunk,
    then nothing for a while) lets go of the HTTP response there and then: left to the garbage
    collector, it can be finalised while a later request holds the connection pool's lock (the
    chat's worker serves many requests in one process)."""
    import signal
    import threading

    from appam_cli.datamodel.options import RequestOptions
    from appam_cli.providers import client
    from appam_cli.providers.events import ProviderRequest

    closed: list[object] = []
    real_close = client.close_response

    def close_response(response):
        if response is not None:
            closed.append(response)
        real_close(response)

    options = RequestOptions(model="openai/test-model", api_base=provider.url, retries=2, timeout=10.0)
    request = ProviderRequest(messages=[{"role": "user", "content": "q"}], options=options)
    provider.enqueue(Reply("warm"))
    list(client.stream_chat(request))  # litellm's first call imports a great deal: not the moment to test
    monkeypatch.setattr(client, "close_response", close_response)
    provider.enqueue(Reply("the answer, after a long think", chunk_delay=3.0))
    events = client.stream_chat(request)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in events:
                pass
    finally:
        timer.cancel()
    assert closed, "the response was left open"
    assert len(provider.requests) == 2  # the warm-up, and this one: not retried
