"""The loopback server's Gemini and Ollama protocols, raw over HTTP (no litellm): each wire
format as the provider documents it (see tests/gemini_protocol.py, tests/ollama_protocol.py)."""

from __future__ import annotations

import json

import httpx
import pytest
from provider_server import HTTPError, Reply, rate_limit_error

GEMINI_USAGE = {"promptTokenCount": 50, "cachedContentTokenCount": 40, "candidatesTokenCount": 3,
                "thoughtsTokenCount": 2, "totalTokenCount": 55}
GEMINI_BODY = {
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
    "generationConfig": {"temperature": 0.5},
}


def sse_objects(text: str) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in text.splitlines() if line.startswith("data: ")]


def gemini_post(provider, method: str, body: dict = GEMINI_BODY, **kwargs) -> httpx.Response:
    suffix = "?alt=sse" if method == "streamGenerateContent" else ""
    return httpx.post(f"{provider.gemini_url}/models/gemini-2.5-flash:{method}{suffix}", json=body,
                      headers={"x-goog-api-key": "secret-key"}, timeout=10, **kwargs)


def test_gemini_stream_is_sse_of_responses_with_thoughts_finish_and_usage_last(provider):
    provider.enqueue(Reply(["Hi ", "there."], reasoning=["Hm."], usage=GEMINI_USAGE))
    response = gemini_post(provider, "streamGenerateContent")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "[DONE]" not in response.text  # the stream just ends
    objects = sse_objects(response.text)
    parts = [o["candidates"][0]["content"]["parts"][0] for o in objects]
    assert parts == [{"text": "Hm.", "thought": True}, {"text": "Hi "}, {"text": "there."}]
    assert all(o["candidates"][0]["content"]["role"] == "model" for o in objects)
    assert [o["candidates"][0].get("finishReason") for o in objects] == [None, None, "STOP"]
    assert objects[-1]["usageMetadata"] == GEMINI_USAGE
    assert "candidatesTokenCount" not in objects[0]["usageMetadata"]  # only the prompt so far
    request = provider.gemini_requests[-1]
    assert (request.api_key, request.public_headers["x-goog-api-key"], request.stream) == ("secret-key", "<hidden>", True)
    assert request.body == GEMINI_BODY


def test_gemini_whole_answer_and_echo_default(provider):
    response = gemini_post(provider, "generateContent")
    obj = response.json()
    assert obj["candidates"][0]["content"]["parts"] == [{"text": "echo: hello"}]
    assert obj["candidates"][0]["finishReason"] == "STOP"
    usage = obj["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]


def test_gemini_finish_reasons_and_openai_usage_are_translated(provider):
    provider.enqueue(Reply("cut", finish_reason="length", usage={
        "prompt_tokens": 10, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 2}}))
    obj = gemini_post(provider, "generateContent").json()
    assert obj["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert obj["usageMetadata"] == {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 17,
                                    "cachedContentTokenCount": 4, "thoughtsTokenCount": 2}


def test_gemini_errors_take_googles_shape(provider):
    provider.enqueue(rate_limit_error(retry_after=3), HTTPError(503))
    limited = gemini_post(provider, "streamGenerateContent")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "3")
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED" and limited.json()["error"]["code"] == 429
    overloaded = gemini_post(provider, "generateContent")
    assert overloaded.json()["error"] == {"code": 503, "message": "The model is overloaded. Please try again later.",
                                          "status": "UNAVAILABLE"}


def test_gemini_cut_stream_never_sends_the_finish(provider):
    provider.enqueue(Reply(["a ", "b ", "c"], drop_after=2, usage=GEMINI_USAGE))
    received = []
    with pytest.raises(httpx.HTTPError), httpx.stream(
        "POST", f"{provider.gemini_url}/models/m:streamGenerateContent?alt=sse", json=GEMINI_BODY, timeout=10
    ) as response:
        for line in response.iter_lines():
            received.append(line)
    objects = sse_objects("\n".join(received))
    assert [o["candidates"][0]["content"]["parts"][0]["text"] for o in objects] == ["a ", "b "]
    assert not any("finishReason" in o["candidates"][0] for o in objects)


def test_gemini_error_inside_an_open_stream(provider):
    provider.enqueue(Reply(["a ", "b"], error_event="UNAVAILABLE"))
    with httpx.stream("POST", f"{provider.gemini_url}/models/m:streamGenerateContent?alt=sse",
                      json=GEMINI_BODY, timeout=10) as response:
        assert response.status_code == 200
        line = next(line for line in response.iter_lines() if line.startswith("data: "))
    assert json.loads(line[6:])["error"] == {"code": 503, "message": "The model is overloaded. Please try again later.",
                                             "status": "UNAVAILABLE"}
    assert provider.wait_for_requests(1)


def test_ollama_error_inside_an_open_stream(provider):
    provider.enqueue(Reply(["a ", "b"], error_event="model runner has unexpectedly stopped"))
    with httpx.stream("POST", f"{provider.root_url}/api/chat", json=OLLAMA_BODY, timeout=10) as response:
        assert response.status_code == 200
        first = json.loads(next(response.iter_lines()))
    assert first == {"error": "model runner has unexpectedly stopped"}


OLLAMA_BODY = {"model": "llama3.2", "messages": [{"role": "system", "content": "Be brief."},
                                                {"role": "user", "content": "hello"}]}


def test_ollama_streams_ndjson_by_default_with_thinking_and_counts_last(provider):
    provider.enqueue(Reply(["Hi ", "there."], reasoning=["Hm."], usage={"prompt_eval_count": 26, "eval_count": 9}))
    response = httpx.post(f"{provider.root_url}/api/chat", json=OLLAMA_BODY, timeout=10)
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(m["message"].get("thinking"), m["message"]["content"], m["done"]) for m in lines] == [
        ("Hm.", "", False), (None, "Hi ", False), (None, "there.", False), (None, "", True)]
    last = lines[-1]
    assert (last["done_reason"], last["prompt_eval_count"], last["eval_count"]) == ("stop", 26, 9)
    assert {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"} <= set(last)
    assert provider.ollama_requests[-1].stream is True


def test_ollama_whole_answer_tool_calls_and_errors(provider):
    provider.enqueue(Reply(tool_calls=[{"name": "f", "arguments": {"x": 1}}]), HTTPError(404))
    obj = httpx.post(f"{provider.root_url}/api/chat", json=dict(OLLAMA_BODY, stream=False), timeout=10).json()
    assert obj["done"] is True and obj["done_reason"] == "stop"
    assert obj["message"]["tool_calls"] == [{"function": {"name": "f", "arguments": {"x": 1}}}]
    missing = httpx.post(f"{provider.root_url}/api/chat", json=OLLAMA_BODY, timeout=10)
    assert (missing.status_code, missing.json()) == (404, {"error": "model 'llama3.2' not found"})


def test_ollama_cut_stream_never_sends_done(provider):
    provider.enqueue(Reply(["a ", "b ", "c"], drop_after=2))
    received = []
    with pytest.raises(httpx.HTTPError), httpx.stream("POST", f"{provider.root_url}/api/chat", json=OLLAMA_BODY,
                                                      timeout=10) as response:
        for line in response.iter_lines():
            received.append(json.loads(line))
    assert [r["message"]["content"] for r in received] == ["a ", "b "]
    assert not any(r["done"] for r in received)
