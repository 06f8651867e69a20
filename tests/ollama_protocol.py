"""The Ollama chat protocol for the loopback provider server (``POST /api/chat``).

Pure functions: they turn a scripted ``Reply`` into Ollama's chat response objects and an HTTP
status into Ollama's error body. ``provider_server`` does the HTTP.

As Ollama's API documentation has it:

* The request: ``model``, ``messages`` (``role`` system / user / assistant / tool, ``content``,
  optional ``thinking``, ``tool_calls``, ``images``), ``stream`` (default **true**), ``think``,
  ``tools``, ``format``, ``options`` (``temperature``, ``num_predict``, ...), ``keep_alive``.
* Streaming is newline-delimited JSON (``application/x-ndjson``), not SSE: one object a line,
  ``{"model", "created_at", "message": {"role": "assistant", "content": "The", "thinking"?},
  "done": false}``. The last line has ``"done": true``, ``"done_reason"`` (``stop``, ``length``,
  ...), an empty message and the statistics: ``total_duration``, ``load_duration``,
  ``prompt_eval_count`` (prompt tokens), ``prompt_eval_duration``, ``eval_count`` (generated
  tokens, thinking included: there is no separate thinking count), ``eval_duration``
  (durations in nanoseconds). With ``"stream": false`` that last object holds the whole message.
* Tool calls arrive whole, arguments as an object: ``message.tool_calls`` =
  ``[{"function": {"name", "arguments": {...}}}]``.
* Errors: an HTTP status with ``{"error": "message"}``; an error after the stream began is a
  line ``{"error": "message"}``.

``Reply.usage`` on this route: a dict with Ollama's keys (``prompt_eval_count``,
``eval_count``) is sent as given (durations added when missing); a dict with OpenAI's keys is converted; ``DEFAULT`` computes word
counts; ``None`` leaves the counts out of the last line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

CHAT_PATH = "/api/chat"
SHOW_PATH = "/api/show"

_ERRORS: dict[int, str] = {
    400: "invalid request",
    401: "unauthorized",
    404: "model '{model}' not found",
    429: "too many requests",
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}


def error_body(status: int, model: str = "llama-test") -> dict:
    """Ollama's error shape: ``{"error": "message"}``."""
    return {"error": _ERRORS.get(status, f"HTTP {status}").format(model=model)}


def _created_at() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e9):09d}Z"


def usage(raw: Any, prompt_words: int, output_words: int) -> dict | None:
    """The statistics of the last line (counts and durations)."""
    if raw is None:
        return None
    if isinstance(raw, dict) and "prompt_tokens" in raw:
        counts = {"prompt_eval_count": int(raw.get("prompt_tokens") or 0),
                  "eval_count": int(raw.get("completion_tokens") or 0)}
    elif isinstance(raw, dict):
        counts = dict(raw)  # Ollama's own keys, sent as given (durations filled in if left out)
    else:
        counts = {"prompt_eval_count": prompt_words, "eval_count": max(1, output_words)}
    return {
        "total_duration": 5_043_500_667,
        "load_duration": 5_025_959,
        "prompt_eval_duration": 325_953_000,
        "eval_duration": 4_709_213_000,
        **counts,
    }


def done_reason(finish_reason: str | None) -> str | None:
    if finish_reason == "tool_calls":
        return "stop"
    return finish_reason


def _line(model: str, message: dict, done: bool) -> dict:
    return {"model": model, "created_at": _created_at(), "message": message, "done": done}


def _tool_call(call: dict) -> dict:
    args = call["function"]["arguments"]
    return {"function": {"name": call["function"]["name"], "arguments": json.loads(args) if args else {}}}


def stream_lines(
    model: str,
    thinking: list[str] | None,
    text: list[str],
    tool_calls: list[dict],
    finish_reason: str | None,
    stats: dict | None,
) -> Iterator[tuple[dict, bool]]:
    """Yield ``(line, is_content)``; the last line (``done: true``) only when there is a finish reason."""
    for part in thinking or []:
        yield _line(model, {"role": "assistant", "content": "", "thinking": part}, False), True
    for part in text:
        yield _line(model, {"role": "assistant", "content": part}, False), True
    if tool_calls:
        message = {"role": "assistant", "content": "", "tool_calls": [_tool_call(c) for c in tool_calls]}
        yield _line(model, message, False), True
    if finish_reason is None:
        return
    last = _line(model, {"role": "assistant", "content": ""}, True)
    last["done_reason"] = done_reason(finish_reason)
    last.update(stats or {})
    yield last, False


def response_json(
    model: str,
    thinking: str | None,
    text: str,
    tool_calls: list[dict],
    finish_reason: str | None,
    stats: dict | None,
) -> dict:
    """The non-streamed answer: one object with ``done: true`` and the whole message."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if thinking is not None:
        message["thinking"] = thinking
    if tool_calls:
        message["tool_calls"] = [_tool_call(c) for c in tool_calls]
    obj = _line(model, message, finish_reason is not None)
    if finish_reason is not None:
        obj["done_reason"] = done_reason(finish_reason)
    obj.update(stats or {})
    return obj


def show_json(model: str) -> dict:
    """``POST /api/show``: a model's details, as Ollama documents them."""
    return {
        "modelfile": f"FROM {model}\n",
        "parameters": "stop \"<|eot_id|>\"",
        "template": "{{ .Prompt }}",
        "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                    "parameter_size": "3.2B", "quantization_level": "Q4_K_M"},
        "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
        "capabilities": ["completion", "tools", "thinking"],
    }
