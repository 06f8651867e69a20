"""The Gemini API protocol for the loopback provider server (``models/{model}:generateContent``).

Pure functions: they turn a scripted ``Reply`` into Gemini's ``GenerateContentResponse``
objects and an HTTP status into Google's error body. ``provider_server`` does the HTTP.

As the Gemini API reference documents it:

* ``POST {base}/models/{model}:streamGenerateContent?alt=sse`` answers Server-Sent Events; every
  ``data:`` line is a whole ``GenerateContentResponse``. There is no ``[DONE]``: the stream simply
  ends. ``POST {base}/models/{model}:generateContent`` answers one ``GenerateContentResponse``.
  The key comes in the ``x-goog-api-key`` header (or a ``key`` query parameter).
* The request: ``contents`` (``role`` ``user`` or ``model``, ``parts`` of ``{"text"}``,
  ``{"functionCall"}``, ``{"functionResponse"}``), ``systemInstruction`` (``{"parts": [...]}``),
  ``generationConfig`` (``temperature``, ``maxOutputTokens``, ``thinkingConfig``), ``tools``.
* A response: ``candidates[0].content`` (``role`` ``model``, ``parts``; a part with
  ``"thought": true`` is a thought summary, not answer text), ``candidates[0].finishReason``
  (``STOP``, ``MAX_TOKENS``, ``SAFETY``, ``RECITATION``, ...; only on the last chunk),
  ``usageMetadata``, ``modelVersion``, ``responseId``.
* ``usageMetadata``: ``promptTokenCount`` (INCLUDES ``cachedContentTokenCount``),
  ``candidatesTokenCount`` (the answer, NOT the thoughts), ``thoughtsTokenCount``,
  ``totalTokenCount`` = prompt + candidates + thoughts (+ tool-use prompt). In a stream the
  intermediate chunks carry only the prompt count so far; the last one carries the whole usage.
* Errors: ``{"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED"}}``.

``Reply.usage`` on this route: a dict with Gemini's keys (``promptTokenCount``, ...) is sent
as-is; a dict with OpenAI's keys is converted; ``DEFAULT`` computes word counts; ``None``
sends no ``usageMetadata`` at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

PATH = re.compile(r"^(?P<base>.*)/models/(?P<model>[^/:]+):(?P<method>streamGenerateContent|generateContent)$")

FINISH_REASONS = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}

_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "Your API key doesn't have the required permissions."),
    404: ("NOT_FOUND", "models/{model} is not found for API version v1beta."),
    429: ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details."),
    500: ("INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
    503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    504: ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
}


def match(path: str) -> re.Match[str] | None:
    return PATH.match(path.split("?", 1)[0].rstrip("/"))


def error_body(status: int, model: str = "gemini-test", retry_delay: float | None = None) -> dict:
    """Google's error shape: ``{"error": {"code", "message", "status"}}``.

    ``retry_delay``: Google's own retry hint, in ``details`` (not a ``Retry-After`` header): a
    ``google.rpc.RetryInfo`` whose ``retryDelay`` is a protobuf Duration in JSON (``"22s"``, ``"1.5s"``),
    after a ``google.rpc.QuotaFailure`` naming the quota, as a 429 RESOURCE_EXHAUSTED carries them."""
    name, message = _ERRORS.get(status, ("INTERNAL" if status >= 500 else "INVALID_ARGUMENT", f"HTTP {status}"))
    error: dict[str, Any] = {"code": status, "message": message.format(model=model), "status": name}
    if retry_delay is not None:
        error["details"] = [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                "quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                "quotaDimensions": {"location": "global", "model": model}, "quotaValue": "5"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay:g}s"},
        ]
    return {"error": error}


def finish_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    return FINISH_REASONS.get(reason, reason)


def _text(parts: Any) -> str:
    return " ".join(p["text"] for p in parts or [] if isinstance(p, dict) and isinstance(p.get("text"), str))


def chat_view(body: dict, model: str, stream: bool) -> dict:
    """The request seen as chat messages, for the server's echo default and word counts."""
    messages: list[dict] = []
    system = body.get("systemInstruction") or body.get("system_instruction")
    if isinstance(system, dict):
        messages.append({"role": "system", "content": _text(system.get("parts"))})
    for content in body.get("contents") or []:
        if isinstance(content, dict):
            role = "assistant" if content.get("role") == "model" else "user"
            messages.append({"role": role, "content": _text(content.get("parts"))})
    return {"model": model, "messages": messages, "stream": stream}


def usage(raw: Any, prompt_words: int, text_words: int, thought_words: int) -> dict | None:
    """The whole ``usageMetadata`` of the answer."""
    if raw is None:
        return None
    if isinstance(raw, dict) and "prompt_tokens" in raw:
        cached = int((raw.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
        thoughts = int((raw.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
        prompt = int(raw.get("prompt_tokens") or 0)
        candidates = int(raw.get("completion_tokens") or 0) - thoughts
        out = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
               "totalTokenCount": prompt + candidates + thoughts}
        if cached:
            out["cachedContentTokenCount"] = cached
        if thoughts:
            out["thoughtsTokenCount"] = thoughts
        return out
    if isinstance(raw, dict):
        return dict(raw)
    out = {"promptTokenCount": prompt_words, "candidatesTokenCount": max(1, text_words)}
    if thought_words:
        out["thoughtsTokenCount"] = thought_words
    out["totalTokenCount"] = prompt_words + max(1, text_words) + thought_words
    return out


def _response(response_id: str, model: str, parts: list[dict], finish: str | None, meta: dict | None) -> dict:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    obj: dict[str, Any] = {"candidates": [candidate]}
    if meta is not None:
        obj["usageMetadata"] = meta
    obj["modelVersion"] = model
    obj["responseId"] = response_id
    return obj


def _call_part(call: dict) -> dict:
    args = call["function"]["arguments"]
    return {"functionCall": {"name": call["function"]["name"], "args": json.loads(args) if args else {}}}


def stream_chunks(
    response_id: str,
    model: str,
    thoughts: list[str] | None,
    text: list[str],
    tool_calls: list[dict],
    finish: str | None,
    full_usage: dict | None,
) -> Iterator[tuple[dict, bool]]:
    """Yield ``(GenerateContentResponse, is_content)``; the last one holds the finish reason and usage."""
    running = None if full_usage is None else {
        k: v for k, v in full_usage.items() if k in ("promptTokenCount", "cachedContentTokenCount")
    }
    if running is not None:
        running["totalTokenCount"] = running.get("promptTokenCount", 0)
    pieces: list[dict] = [{"text": t, "thought": True} for t in thoughts or []]
    pieces += [{"text": t} for t in text]
    pieces += [_call_part(c) for c in tool_calls]
    for i, part in enumerate(pieces):
        last = i == len(pieces) - 1
        if last and finish is not None:
            yield _response(response_id, model, [part], finish, full_usage), True
        else:
            yield _response(response_id, model, [part], None, running), True
    if not pieces and finish is not None:
        yield _response(response_id, model, [{"text": ""}], finish, full_usage), False


def response_json(
    response_id: str,
    model: str,
    thoughts: str | None,
    text: str,
    tool_calls: list[dict],
    finish: str | None,
    full_usage: dict | None,
) -> dict:
    """The non-streamed answer: one ``GenerateContentResponse``."""
    parts: list[dict] = []
    if thoughts is not None:
        parts.append({"text": thoughts, "thought": True})
    if text or not tool_calls:
        parts.append({"text": text})
    parts += [_call_part(c) for c in tool_calls]
    return _response(response_id, model, parts, finish, full_usage)
