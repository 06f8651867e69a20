"""Checks of the scripted provider server, raw (httpx) and through real litellm.

What litellm 1.106.2 does with each scripted case (found by experiment against this server
and by reading litellm/litellm_core_utils/streaming_handler.py, CustomStreamWrapper):

* Normal stream (role chunk, deltas, empty-delta chunk with finish_reason, usage chunk with
  ``choices: []``, [DONE]): litellm yields the role chunk, one chunk per delta, a chunk with
  ``choices[0].finish_reason``, then (only with ``stream_options={"include_usage": True}``) a
  final chunk carrying ``chunk.usage`` -- litellm gives that chunk ``choices=[{index 0, empty
  delta}]``, not ``[]``. Reasoning is ``chunk.choices[0].delta.reasoning_content``. Usage
  details survive: ``usage.prompt_tokens_details.cached_tokens`` and
  ``usage.completion_tokens_details.reasoning_tokens`` (litellm adds ``text_tokens`` when the
  provider sent no completion details). Without include_usage the caller never sees a usage
  chunk (the provider's usage is only kept internally).
* (a) finish_reason=None, clean end: NO exception. When the provider stream ends without a
  finish_reason, ``__next__`` gets StopIteration with ``sent_last_chunk`` False and
  ``finish_reason_handler()`` SYNTHESISES a chunk with ``finish_reason="stop"`` -- "stop"
  even after tool-call deltas (its tool_call flag is never set on the openai path, so its
  "tool_calls" substitution does not happen). Next it yields a usage chunk: the provider's
  numbers if it sent a usage chunk, otherwise an ESTIMATE (tiktoken counts from
  ``stream_chunk_builder``: 9 prompt tokens for "hello world"). The synthetic chunks look
  exactly like real ones (same id, no flag). The same estimate replaces usage when the
  provider sent a finish_reason but no usage chunk.
  The only tell is on the stream wrapper (``litellm.CustomStreamWrapper``):
  ``stream.received_finish_reason`` is set only from a finish_reason the provider sent, and
  stays None for a synthesised "stop". (``intermittent_finish_reason`` is overwritten by
  every chunk -- the trailing usage chunk resets it to None -- so do not use it;
  ``sent_last_chunk`` becomes True in both cases, so it tells nothing.) Whether usage was
  estimated: the provider's usage chunk is kept in the internal list ``stream.chunks``
  (``any(c.usage for c in stream.chunks)``); with an estimate no element has usage. Both
  are internals: keep their use inside appam's providers/ layer.
* (b) drop_after (TCP reset mid-stream): litellm RAISES while iterating, after yielding the
  chunks received so far; no synthetic finish chunk, no usage chunk. The class is
  ``litellm.exceptions.MidStreamFallbackError`` (a subclass of ``litellm.ServiceUnavailableError`` and
  ``openai.APIStatusError``), ``status_code`` 500; ``exc.original_exception`` is a
  ``litellm.APIConnectionError`` ("Connection reset by peer"); ``exc.generated_content``
  holds the text streamed so far; ``exc.is_pre_first_chunk`` is False once any chunk (even
  the role chunk) was yielded. Wrapper state after it: ``received_finish_reason`` None,
  ``sent_last_chunk`` False.
* Reset before the first byte (``Drop()``): ``completion()`` itself raises
  ``litellm.InternalServerError`` ("Connection error.", status 500) -- not APIConnectionError.
* Hang with ``timeout=`` shorter than the hang: ``completion()`` raises ``litellm.Timeout``
  (status 408).
* HTTP errors are raised by ``completion()`` (before any chunk), with max_retries=0:
  429 -> ``litellm.RateLimitError``, 500 -> ``litellm.InternalServerError``,
  503 -> ``litellm.ServiceUnavailableError``, 401 -> ``litellm.AuthenticationError``,
  404 -> ``litellm.NotFoundError``, 400 context_length_exceeded ->
  ``litellm.ContextWindowExceededError`` (a BadRequestError), other 400 ->
  ``litellm.BadRequestError``. ``exc.status_code`` is the HTTP status.
* Retry-After: in ``exc.litellm_response_headers`` (an ``httpx.Headers``, case-insensitive:
  ``exc.litellm_response_headers["retry-after"] == "1"``). NOT in ``exc.response.headers``:
  litellm attaches a synthetic httpx.Response with empty headers. ``exc.headers`` is None.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import httpx
import pytest
from provider_server import (
    DEFAULT,
    Drop,
    Hang,
    HTTPError,
    ProviderServer,
    Reply,
    auth_error,
    context_window_error,
    long_reply,
    markdown_document,
    rate_limit_error,
    rough_tokens,
    split_words,
)

USER = [{"role": "user", "content": "hello world"}]
FULL_USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 40,
    "total_tokens": 160,
    "prompt_tokens_details": {"cached_tokens": 100},
    "completion_tokens_details": {"reasoning_tokens": 25},
}


# --------------------------------------------------------------------------- raw helpers


def _post(server: ProviderServer, body: dict, timeout: float = 5.0) -> httpx.Response:
    return httpx.post(f"{server.url}/chat/completions", json=body, timeout=timeout)


def _sse(server: ProviderServer, body: dict) -> list:
    """Events of a streamed answer: parsed JSON dicts, and the string "[DONE]"."""
    events: list = []
    with httpx.stream("POST", f"{server.url}/chat/completions", json={**body, "stream": True}, timeout=5) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if not line:
                continue
            assert line.startswith("data: ")
            data = line[len("data: "):]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


# --------------------------------------------------------------------------- raw protocol


def test_echo_default_stream_shape(provider):
    events = _sse(provider, {"model": "m1", "messages": [{"role": "system", "content": "be nice"},
                                                        {"role": "user", "content": "one two three four"}]})
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    for c in chunks:
        assert c["object"] == "chat.completion.chunk"
        assert c["model"] == "m1"
        assert c["id"] == chunks[0]["id"] and c["created"] == chunks[0]["created"]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content_chunks = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
    assert len(content_chunks) >= 2
    assert "".join(c["choices"][0]["delta"]["content"] for c in content_chunks) == "echo: one two three four"
    finish = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finish) == 1 and finish[0]["choices"][0]["finish_reason"] == "stop"
    assert finish[0]["choices"][0]["delta"] == {}
    usage = chunks[-1]
    assert usage["choices"] == [] and usage["usage"] == {
        "prompt_tokens": 6, "completion_tokens": 5, "total_tokens": 11}


def test_non_stream_json(provider):
    provider.enqueue(Reply("Hi there", reasoning="thinking", tool_calls=[{"name": "f", "arguments": {"a": 1}}],
                           usage=FULL_USAGE))
    r = _post(provider, {"model": "m2", "messages": USER})
    assert r.status_code == 200
    obj = r.json()
    assert obj["object"] == "chat.completion" and obj["model"] == "m2"
    choice = obj["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Hi there"
    assert choice["message"]["reasoning_content"] == "thinking"
    assert choice["message"]["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"a": 1}'}
    assert obj["usage"] == FULL_USAGE
    # the echo default, non-streamed
    assert _post(provider, {"model": "m", "messages": USER}).json()["choices"][0]["message"]["content"] == \
        "echo: hello world"


def test_tool_call_deltas_openai_way(provider):
    provider.enqueue(Reply(tool_calls=[
        {"id": "call_A", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"name": "get_time", "arguments": {"tz": "Europe/Paris"}},
    ]))
    events = _sse(provider, {"model": "m", "messages": USER})
    tool_deltas = [c["choices"][0]["delta"]["tool_calls"][0] for c in events[:-1]
                   if c["choices"] and "tool_calls" in c["choices"][0]["delta"]]
    for index, name in ((0, "get_weather"), (1, "get_time")):
        mine = [d for d in tool_deltas if d["index"] == index]
        assert len(mine) >= 3  # header + several argument fragments
        assert mine[0]["type"] == "function" and mine[0]["function"]["name"] == name and mine[0]["id"]
        assert all("id" not in d and "name" not in d["function"] for d in mine[1:])
        args = "".join(d["function"]["arguments"] for d in mine)
        assert json.loads(args)
    assert tool_deltas[0]["id"] == "call_A"


def test_finish_none_no_done_no_usage(provider):
    provider.enqueue(Reply("a b c", finish_reason=None, usage=None, send_done=False))
    events = _sse(provider, {"model": "m", "messages": USER})
    assert "[DONE]" not in events
    assert all(c["choices"] and c["choices"][0]["finish_reason"] is None for c in events)


def test_drop_after_resets_connection(provider):
    provider.enqueue(Reply(["one ", "two ", "three ", "four"], drop_after=2))
    got: list[str] = []
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        with httpx.stream("POST", f"{provider.url}/chat/completions",
                          json={"model": "m", "stream": True, "messages": USER}) as r:
            for line in r.iter_lines():
                if line.startswith("data: {"):
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    got.append(delta.get("content") or "")
    assert "".join(got) == "one two "
    provider.enqueue(Drop())
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        _post(provider, {"model": "m", "messages": USER})
    # the server is still fine afterwards, and printed no error
    assert _post(provider, {"model": "m", "messages": USER}).status_code == 200
    assert provider.errors == []


def test_http_errors_raw(provider):
    provider.enqueue(rate_limit_error(2), auth_error(), context_window_error(),
                     HTTPError(502, "bad gateway text"), HTTPError(418, {"custom": True}, {"X-Thing": "y"}))
    r = _post(provider, {"model": "m", "messages": USER})
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    assert r.json()["error"]["code"] == "rate_limit_exceeded"
    r = _post(provider, {"model": "m", "messages": USER})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = _post(provider, {"model": "m", "messages": USER})
    assert r.status_code == 400 and r.json()["error"]["code"] == "context_length_exceeded"
    r = _post(provider, {"model": "m", "messages": USER})
    assert r.status_code == 502 and r.text == "bad gateway text"
    r = _post(provider, {"model": "m", "messages": USER})
    assert r.status_code == 418 and r.json() == {"custom": True} and r.headers["x-thing"] == "y"


def test_routes_log_and_reset(provider):
    assert httpx.get(f"{provider.url}/models").status_code == 404
    r = httpx.post(f"{provider.root_url}/v1/embeddings", json={"input": "x"})
    assert r.status_code == 404 and "error" in r.json()
    provider.enqueue(Reply("scripted"))
    # /chat/completions without /v1 works too, and consumes the script
    r = httpx.post(f"{provider.root_url}/chat/completions",
                   json={"model": "m", "messages": USER}, headers={"Authorization": "Bearer sk-x"})
    assert r.json()["choices"][0]["message"]["content"] == "scripted"
    assert provider.pending == 0
    reqs = provider.requests
    assert [q.path for q in reqs] == ["/v1/models", "/v1/embeddings", "/chat/completions"]
    assert reqs[-1].headers["authorization"] == "Bearer sk-x"
    assert reqs[-1].body["messages"] == USER and reqs[-1].messages == USER and not reqs[-1].stream
    assert len(provider.chat_requests) == 1
    provider.enqueue(Reply("x"))
    provider.reset()
    assert provider.requests == [] and provider.pending == 0


def test_delays_and_hang(provider):
    provider.enqueue(Reply(["a", "b", "c"], chunk_delay=0.05, first_byte_delay=0.1))
    t0 = time.perf_counter()
    _sse(provider, {"model": "m", "messages": USER})
    assert time.perf_counter() - t0 >= 0.1 + 3 * 0.05
    provider.enqueue(Hang(0.2, then=Reply("late")))
    t0 = time.perf_counter()
    r = _post(provider, {"model": "m", "messages": USER})
    assert time.perf_counter() - t0 >= 0.2
    assert r.json()["choices"][0]["message"]["content"] == "late"


def test_stop_cuts_a_hang_short():
    server = ProviderServer().start()
    server.enqueue(Hang(30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _post(server, {"model": "m", "messages": USER}, timeout=10)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    assert server.wait_for_requests(1, timeout=5)
    t0 = time.perf_counter()
    server.stop()
    t.join(5)
    assert time.perf_counter() - t0 < 2
    assert errors and isinstance(errors[0], httpx.TransportError)


def test_concurrent_requests(provider):
    results: list[str] = []

    def call(i: int) -> None:
        r = _post(provider, {"model": "m", "messages": [{"role": "user", "content": f"n{i}"}]})
        results.append(r.json()["choices"][0]["message"]["content"])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == sorted(f"echo: n{i}" for i in range(8))
    assert len(provider.requests) == 8


def test_markdown_document():
    doc = markdown_document(2000)
    assert doc == markdown_document(2000)  # deterministic
    assert 2000 <= rough_tokens(doc) <= 2300
    assert doc.startswith("# ") and "\n## " in doc and "\n| " in doc and "\n- " in doc and "\n1. " in doc
    assert doc.count("```") >= 2 and doc.count("```") % 2 == 0
    small = markdown_document(50)
    assert 50 <= rough_tokens(small) <= 250
    reply = long_reply(500, chunk_delay=0.0)
    assert isinstance(reply.text, list) and "".join(reply.text) == markdown_document(500)
    assert all(rough_tokens(c) <= 40 for c in reply.text)
    assert "".join(split_words("  a  b\nc d ")) == "  a  b\nc d "


@pytest.mark.e2e
def test_standalone_main_serves_long_document():
    """The CLI entry point (`python tests/provider_server.py --port P --tokens N`)."""
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = os.path.join(os.path.dirname(__file__), "provider_server.py")
    proc = subprocess.Popen([sys.executable, script, "--port", str(port), "--tokens", "300"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}/v1" in line
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions",
                       json={"model": "m", "messages": USER}, timeout=5)
        assert r.json()["choices"][0]["message"]["content"] == markdown_document(300)
    finally:
        proc.terminate()
        proc.wait(5)


# --------------------------------------------------------------------------- through litellm


@pytest.fixture(scope="module")
def litellm():
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm as _litellm

    _litellm.suppress_debug_info = True
    return _litellm


def _stream(litellm, server, messages=None, **kwargs):
    return litellm.completion(
        model="openai/test-model",
        api_base=server.url,
        api_key="sk-test",
        messages=messages or USER,
        stream=True,
        stream_options={"include_usage": True},
        max_retries=0,
        **kwargs,
    )


def _text(chunks) -> str:
    return "".join((c.choices[0].delta.content or "") for c in chunks if c.choices)


def _finish_reasons(chunks) -> list[str]:
    return [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]


def _usages(chunks) -> list:
    return [c.usage for c in chunks if getattr(c, "usage", None) is not None]


def test_litellm_text_reassembles(litellm, provider):
    text = "The quick brown fox jumps over the lazy dog, twice."
    provider.enqueue(Reply(text))
    stream = _stream(litellm, provider)
    chunks = list(stream)
    assert _text(chunks) == text
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 3
    assert _finish_reasons(chunks) == ["stop"]
    assert stream.received_finish_reason == "stop"
    assert len(_usages(chunks)) == 1
    req = provider.last_request
    assert req.path == "/v1/chat/completions" and req.stream
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.body["model"] == "test-model" and req.body["messages"] == USER


def test_litellm_echo_default(litellm, provider):
    chunks = list(_stream(litellm, provider, [{"role": "user", "content": "ping pong"}]))
    assert _text(chunks) == "echo: ping pong"


def test_litellm_reasoning_and_usage_details(litellm, provider):
    provider.enqueue(Reply("Answer.", reasoning=["Let me ", "think ", "about it."], usage=FULL_USAGE))
    chunks = list(_stream(litellm, provider))
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or ""
                        for c in chunks if c.choices)
    assert reasoning == "Let me think about it."
    assert _text(chunks) == "Answer."
    [usage] = _usages(chunks)
    assert usage.prompt_tokens == 120 and usage.completion_tokens == 40 and usage.total_tokens == 160
    assert usage.prompt_tokens_details.cached_tokens == 100
    assert usage.completion_tokens_details.reasoning_tokens == 25
    assert chunks[-1].usage is usage  # the usage chunk is the last one


def test_litellm_tool_calls_assemble(litellm, provider):
    provider.enqueue(Reply("Checking.", tool_calls=[
        {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}},
        {"id": "call_2", "name": "get_time", "arguments": {"tz": "UTC"}},
    ]))
    calls: dict[int, dict] = {}
    chunks = list(_stream(litellm, provider))
    for c in chunks:
        if not c.choices:
            continue
        for tc in c.choices[0].delta.tool_calls or []:
            slot = calls.setdefault(tc.index, {"id": None, "name": None, "arguments": ""})
            slot["id"] = slot["id"] or tc.id
            slot["name"] = slot["name"] or tc.function.name
            slot["arguments"] += tc.function.arguments or ""
    assert calls[0]["id"] == "call_1" and calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris", "unit": "C"}
    assert calls[1]["id"] == "call_2" and json.loads(calls[1]["arguments"]) == {"tz": "UTC"}
    assert _finish_reasons(chunks) == ["tool_calls"]


def test_litellm_non_stream(litellm, provider):
    provider.enqueue(Reply("Hi", reasoning="hm", usage=FULL_USAGE))
    r = litellm.completion(model="openai/test-model", api_base=provider.url, api_key="sk-test",
                           messages=USER, max_retries=0)
    assert r.choices[0].message.content == "Hi"
    assert r.choices[0].message.reasoning_content == "hm"
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens_details.cached_tokens == 100
    assert r.usage.completion_tokens_details.reasoning_tokens == 25


def test_litellm_finish_none_is_synthesised(litellm, provider):
    # (a) a stream that ends cleanly without finish_reason: litellm invents "stop"...
    provider.enqueue(Reply("Half an answer", finish_reason=None, usage={"prompt_tokens": 7, "completion_tokens": 3,
                                                                      "total_tokens": 10}))
    stream = _stream(litellm, provider)
    chunks = list(stream)
    assert _text(chunks) == "Half an answer"
    assert _finish_reasons(chunks) == ["stop"]
    # ...and the wrapper is the only place that tells the provider sent none
    assert stream.received_finish_reason is None
    [usage] = _usages(chunks)  # the provider's usage still comes through
    assert (usage.prompt_tokens, usage.completion_tokens) == (7, 3)
    assert any(getattr(c, "usage", None) is not None for c in stream.chunks)

    # even after tool-call deltas the invented finish reason is "stop" (not "tool_calls":
    # the wrapper's tool_call flag is never set on the openai path)
    provider.enqueue(Reply(tool_calls=[{"name": "f", "arguments": "{}"}], finish_reason=None))
    stream = _stream(litellm, provider)
    assert _finish_reasons(list(stream)) == ["stop"] and stream.received_finish_reason is None


def test_litellm_missing_usage_is_estimated(litellm, provider):
    provider.enqueue(Reply("a b c d", usage=None, send_done=False))
    stream = _stream(litellm, provider)
    chunks = list(stream)
    assert stream.received_finish_reason == "stop"
    [usage] = _usages(chunks)
    assert usage.completion_tokens > 0 and usage.prompt_tokens > 0  # invented by litellm
    assert not any(getattr(c, "usage", None) is not None for c in stream.chunks)


def test_litellm_drop_mid_stream_raises(litellm, provider):
    # (b) a reset mid-stream raises; nothing is synthesised
    provider.enqueue(Reply(["one ", "two ", "three ", "four"], drop_after=2))
    stream = _stream(litellm, provider)
    got = []
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as info:
        for c in stream:
            got.append(c)
    exc = info.value
    assert isinstance(exc, litellm.ServiceUnavailableError)
    assert isinstance(exc.original_exception, litellm.APIConnectionError)
    assert exc.generated_content == "one two "
    assert exc.is_pre_first_chunk is False
    assert _text(got) == "one two " and _finish_reasons(got) == [] and _usages(got) == []
    assert stream.received_finish_reason is None and stream.sent_last_chunk is False


def test_litellm_drop_after_role_chunk(litellm, provider):
    provider.enqueue(Reply("never seen", drop_after=0))
    got = []
    with pytest.raises(litellm.exceptions.MidStreamFallbackError) as info:
        for c in _stream(litellm, provider):
            got.append(c)
    assert _text(got) == "" and info.value.generated_content == ""


def test_litellm_drop_before_first_byte(litellm, provider):
    provider.enqueue(Drop())
    with pytest.raises(litellm.InternalServerError) as info:
        _stream(litellm, provider)
    assert "Connection error" in str(info.value)


def test_litellm_timeout_on_hang(litellm, provider):
    provider.enqueue(Hang(1.0))
    t0 = time.perf_counter()
    with pytest.raises(litellm.Timeout):
        _stream(litellm, provider, timeout=0.3)
    assert time.perf_counter() - t0 < 1.0


def test_litellm_rate_limit_and_retry_after(litellm, provider):
    provider.enqueue(rate_limit_error(1))
    with pytest.raises(litellm.RateLimitError) as info:
        _stream(litellm, provider)
    exc = info.value
    assert exc.status_code == 429
    assert exc.litellm_response_headers["retry-after"] == "1"
    assert exc.litellm_response_headers["Retry-After"] == "1"  # httpx.Headers: case-insensitive
    assert "retry-after" not in exc.response.headers  # litellm's synthetic response has no headers


@pytest.mark.parametrize(
    ("response", "exc_name", "status"),
    [
        (HTTPError(500), "InternalServerError", 500),
        (HTTPError(503), "ServiceUnavailableError", 503),
        (auth_error(), "AuthenticationError", 401),
        (HTTPError(404), "NotFoundError", 404),
        (context_window_error(), "ContextWindowExceededError", 400),
        (HTTPError(400), "BadRequestError", 400),
        (HTTPError(500, "plain text failure"), "InternalServerError", 500),
    ],
)
def test_litellm_http_errors(litellm, provider, response, exc_name, status):
    provider.enqueue(response)
    with pytest.raises(getattr(litellm, exc_name)) as info:
        _stream(litellm, provider)
    assert type(info.value).__name__ == exc_name
    assert info.value.status_code == status
    assert len(provider.requests) == 1  # max_retries=0: no retry


def test_default_usage_sentinel_is_singleton():
    assert Reply().usage is DEFAULT
    assert repr(DEFAULT) == "DEFAULT"
