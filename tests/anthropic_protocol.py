"""The Anthropic messages protocol for the loopback provider server (``POST /v1/messages``).

Pure functions: they turn a scripted ``Reply`` into Anthropic's SSE events or its JSON
message, and an HTTP status into Anthropic's error body. ``provider_server`` does the HTTP.

The stream, as Anthropic documents it::

    event: message_start        {"message": {..., "usage": {"input_tokens", "cache_creation_input_tokens",
                                                           "cache_read_input_tokens", "output_tokens": 1}}}
    event: ping
    event: content_block_start  {"index": i, "content_block": {"type": "thinking" | "text" | "tool_use", ...}}
    event: content_block_delta  {"index": i, "delta": {"type": "thinking_delta" | "signature_delta" |
                                                        "text_delta" | "input_json_delta", ...}}
    event: content_block_stop   {"index": i}
    event: message_delta        {"delta": {"stop_reason", "stop_sequence"}, "usage": {"output_tokens": N}}
    event: message_stop

Anthropic's ``input_tokens`` does NOT include the cache tokens: a request's whole prompt is
``input_tokens + cache_creation_input_tokens + cache_read_input_tokens``.

``Reply.usage`` on this route: a dict with Anthropic's keys (``input_tokens``, ``output_tokens``,
``cache_creation_input_tokens``, ``cache_read_input_tokens``, extra keys kept) is sent as-is,
split the way Anthropic splits it (output in ``message_delta``, the rest in ``message_start``);
a dict with OpenAI's keys is converted; ``DEFAULT`` computes word counts; ``None`` sends none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MESSAGES_PATHS = ("/v1/messages", "/messages")

STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}

_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: {model}"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


def error_body(status: int, model: str = "claude-test") -> dict:
    """Anthropic's error shape: ``{"type": "error", "error": {"type", "message"}}``."""
    type_, message = _ERRORS.get(status, ("api_error" if status >= 500 else "invalid_request_error", f"HTTP {status}"))
    return {"type": "error", "error": {"type": type_, "message": message.format(model=model)}}


def stop_reason(finish_reason: str | None) -> str | None:
    if finish_reason is None:
        return None
    return STOP_REASONS.get(finish_reason, finish_reason)


def system_text(body: dict) -> str:
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return " ".join(b.get("text", "") for b in system if isinstance(b, dict))
    return ""


def usage(reply: Any, body: dict, prompt_words: int, output_words: int) -> dict | None:
    """The whole usage of the answer, in Anthropic's keys."""
    raw = reply.usage
    if raw is None:
        return None
    if isinstance(raw, dict) and "prompt_tokens" in raw and "input_tokens" not in raw:
        details = raw.get("prompt_tokens_details") or {}
        cached = int(details.get("cached_tokens") or 0)
        written = int(raw.get("cache_creation_input_tokens") or 0)
        return {
            "input_tokens": int(raw.get("prompt_tokens") or 0) - cached - written,
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": cached,
            "output_tokens": int(raw.get("completion_tokens") or 0),
        }
    if isinstance(raw, dict):
        return dict(raw)
    return {
        "input_tokens": prompt_words + len(system_text(body).split()),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": max(1, output_words),
    }


def _split_usage(full: dict | None) -> tuple[dict | None, dict | None]:
    """(message_start usage, message_delta usage), as Anthropic splits them."""
    if full is None:
        return None, None
    start = {k: v for k, v in full.items() if not k.startswith("output_")}
    start["output_tokens"] = min(1, int(full.get("output_tokens") or 0))
    delta = {k: v for k, v in full.items() if k.startswith("output_")}
    return start, delta


def _message_head(msg_id: str, model: str) -> dict:
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
    }


def stream_events(
    msg_id: str,
    model: str,
    reasoning: list[str] | None,
    text: list[str],
    tool_calls: list[dict],
    tool_parts: Any,
    finish_reason: str | None,
    full_usage: dict | None,
) -> Iterator[tuple[str, dict, bool]]:
    """Yield ``(event name, data, is_content)``; content events count for ``drop_after``."""
    start_usage, delta_usage = _split_usage(full_usage)
    head = _message_head(msg_id, model)
    if start_usage is not None:
        head["usage"] = start_usage
    yield "message_start", {"type": "message_start", "message": head}, False
    yield "ping", {"type": "ping"}, False
    index = 0
    if reasoning is not None:
        yield "content_block_start", {
            "type": "content_block_start", "index": index,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        }, False
        for part in reasoning:
            yield "content_block_delta", {
                "type": "content_block_delta", "index": index,
                "delta": {"type": "thinking_delta", "thinking": part},
            }, True
        yield "content_block_delta", {
            "type": "content_block_delta", "index": index,
            "delta": {"type": "signature_delta", "signature": f"sig-{msg_id}"},
        }, False
        yield "content_block_stop", {"type": "content_block_stop", "index": index}, False
        index += 1
    if text or not tool_calls:
        yield "content_block_start", {
            "type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""},
        }, False
        for part in text:
            yield "content_block_delta", {
                "type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": part},
            }, True
        yield "content_block_stop", {"type": "content_block_stop", "index": index}, False
        index += 1
    for call in tool_calls:
        yield "content_block_start", {
            "type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": call["id"], "name": call["function"]["name"], "input": {}},
        }, True
        for frag in tool_parts(call["function"]["arguments"]):
            yield "content_block_delta", {
                "type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": frag},
            }, True
        yield "content_block_stop", {"type": "content_block_stop", "index": index}, False
        index += 1
    if finish_reason is not None:
        delta: dict[str, Any] = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason(finish_reason), "stop_sequence": None},
        }
        if delta_usage is not None:
            delta["usage"] = delta_usage
        yield "message_delta", delta, False
    yield "message_stop", {"type": "message_stop"}, False


def message_json(
    msg_id: str,
    model: str,
    reasoning: str | None,
    text: str,
    tool_calls: list[dict],
    finish_reason: str | None,
    full_usage: dict | None,
) -> dict:
    """The non-streamed answer: one ``message`` object."""
    content: list[dict] = []
    if reasoning is not None:
        content.append({"type": "thinking", "thinking": reasoning, "signature": f"sig-{msg_id}"})
    if text or not tool_calls:
        content.append({"type": "text", "text": text})
    for call in tool_calls:
        args = call["function"]["arguments"]
        content.append({
            "type": "tool_use", "id": call["id"], "name": call["function"]["name"],
            "input": json.loads(args) if args else {},
        })
    message = _message_head(msg_id, model)
    message.update(content=content, stop_reason=stop_reason(finish_reason))
    if full_usage is not None:
        message["usage"] = full_usage
    return message
