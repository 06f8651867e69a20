"""Mapping litellm's exceptions to one clear line each (and whether to retry).

litellm wraps what the provider said in its own classes, often twice (a mid-stream fallback
wrapper around an ``InternalServerError`` around the SDK's error around httpx's), and the outer
layers carry stand-ins: a made-up ``httpx.Response`` with no headers and status 500 for a 529, a
refused connection or an error event inside a 200 stream. The facts live underneath, in the one
response the server really sent (it has headers). Everything here reads them from there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from appam_cli.errors import ProviderError

RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504, 529}
_SECRET = re.compile(
    r"((?:sk|gsk|xai|pk|rk)[-_][A-Za-z0-9]{2})[A-Za-z0-9_\-]{8,}"  # sk-…, sk-ant-…, gsk_…, xai-…
    r"|(AIza)[A-Za-z0-9_\-]{20,}"  # Google keys
    r"|((?:key|token|secret|password|authorization)[\"']?\s*[=:]\s*[\"']?(?:Bearer\s+)?)[^\s&,'\"]+"
    r"|(Bearer\s+)[^\s,'\"]+"
    r"|(://)[^/@\s]+@",  # user:password@ in a URL
    re.IGNORECASE,
)
# litellm's own words around a provider's message: class prefixes, "AnthropicError - ", advice.
_PREFIX = re.compile(r"^(?:(?:litellm\.)?\w+(?:Error|Exception)(?::| -)\s*)+")
_BOILERPLATE = re.compile(r"\s*(?:Received Model Group=|Available Model Group Fallbacks=|Handle with `|"
                          r"LiteLLM Retried:|Original exception:|model=\S+\. ).*$", re.DOTALL)


class StreamErrorEvent(Exception):
    """An error the provider sent inside its 200 stream in a shape litellm does not read (Ollama's
    ``{"error": "text"}`` line, which its parser turns into ``KeyError: 'message'``): raised with the
    provider's own words in its place, and retryable like any error inside a stream."""


def _stream_error_event(exc: BaseException) -> StreamErrorEvent | None:
    return next((e for e in _chain(exc) if isinstance(e, StreamErrorEvent)), None)


def _secret_values() -> list[str]:
    """The keys this process holds (``OPENAI_API_KEY`` …), whatever they look like."""
    import os

    names = ("_API_KEY", "_KEY", "_TOKEN", "_SECRET", "_PASSWORD")
    values = {v for k, v in os.environ.items() if k.upper().endswith(names) and len(v) >= 8}
    return sorted(values, key=len, reverse=True)


def scrub(text: str) -> str:
    """Keep API keys and passwords out of anything we print: every key this process holds, and
    whatever has the shape of one."""
    text = redact_secrets(text)
    return _SECRET.sub(lambda m: next(g for g in m.groups() if g is not None) + "…", text)


def redact_secrets(text: str) -> str:
    """``text`` with every key this process holds replaced by its first characters and ``…`` (only
    the values themselves: text that merely looks like a key is left as it is)."""
    for value in _secret_values():
        if value in text:
            text = text.replace(value, value[:3] + "…")
    return text


def display_url(url: str | None) -> str | None:
    """A base URL fit to print: no user:password@, no query string (keys travel there)."""
    if not url:
        return url
    return re.sub(r"\?.*$", "", re.sub(r"://[^/@\s]+@", "://", url))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps, outermost first (``__cause__``, ``__context__`` and
    litellm's ``original_exception``)."""
    seen: list[BaseException] = []
    queue: list[BaseException | None] = [exc]
    while queue:
        item = queue.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        queue += [getattr(item, "original_exception", None), item.__cause__, item.__context__]
    return seen


def _server_response(exc: BaseException) -> Any:
    """The HTTP response the server really sent, or None (no answer, or an error inside a 200 stream).

    litellm's stand-in responses are built without headers; a real one always has some.
    """
    for item in _chain(exc):
        response = getattr(item, "response", None)
        headers = getattr(response, "headers", None)
        if isinstance(getattr(response, "status_code", None), int) and headers:
            return response
    return None


def status_of(exc: BaseException) -> int | None:
    """The HTTP status the server sent; None when there was no HTTP error answer."""
    response = _server_response(exc)
    return int(response.status_code) if response is not None else None


def _claimed_status(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def _headers(exc: BaseException) -> list[Mapping[str, str]]:
    found: list[Mapping[str, str]] = []
    response = _server_response(exc)
    if response is not None:
        found.append(response.headers)
    for item in _chain(exc):
        for name in ("litellm_response_headers", "headers"):
            headers = getattr(item, name, None)
            if headers and hasattr(headers, "get"):
                found.append(headers)
    return found


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")  # a protobuf Duration in JSON: "22s", "1.5s"


def _retry_info(exc: BaseException) -> float | None:
    """Seconds from Google's retry hint: a ``google.rpc.RetryInfo`` in the error body's ``details``
    (``{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "22s"}``), which the Gemini
    API sends with a 429 in place of a ``Retry-After`` header."""
    response = _server_response(exc)
    if response is None:
        return None
    try:
        data = json.loads(_body_text(response))
    except ValueError:
        return None
    if isinstance(data, list) and data:  # streamed errors come in a list
        data = data[0]
    error = data.get("error") if isinstance(data, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            found = _DURATION.match(str(detail.get("retryDelay", "")))
            if found:
                return float(found.group(1))
    return None


def retry_after(exc: BaseException) -> float | None:
    """Seconds from the provider's ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), or
    from a Google ``RetryInfo`` in the error body."""
    for headers in _headers(exc):
        try:
            if headers.get("retry-after-ms"):
                return float(headers["retry-after-ms"]) / 1000
            value = headers.get("retry-after")
        except (TypeError, ValueError):
            continue
        if value is None:
            continue
        try:
            return float(value)
        except ValueError:
            pass
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        import time

        return max(when.timestamp() - time.time(), 0.0)
    return _retry_info(exc)


def is_connection_failure(exc: BaseException) -> bool:
    import httpx

    return any(isinstance(e, (httpx.ConnectError, httpx.RemoteProtocolError, ConnectionError)) for e in _chain(exc))


def never_sent(exc: BaseException) -> bool:
    """The request failed before it reached any server: litellm could not route the model, the
    URL is not one, or no connection could be made (refused, host not found, connect timeout)."""
    import httpx

    if "LLM Provider NOT provided" in str(exc):
        return True
    unsent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.InvalidURL)
    return any(isinstance(e, unsent) for e in _chain(exc))


def _is_timeout(exc: BaseException) -> bool:
    import httpx
    import litellm

    return any(isinstance(e, (litellm.Timeout, httpx.TimeoutException, TimeoutError)) for e in _chain(exc))


def _bad_json(exc: BaseException) -> json.JSONDecodeError | None:
    """A 200 answer whose body (or an event in its stream) is not JSON: the server does not speak
    the protocol (a proxy page, a wrong endpoint), which no retry mends."""
    if status_of(exc) is not None:
        return None
    return next((e for e in _chain(exc) if isinstance(e, json.JSONDecodeError)), None)


def is_retryable(exc: BaseException) -> bool:
    if _bad_json(exc) is not None or _not_json_answer(exc) is not None:
        return False
    if _stream_error_event(exc) is not None:
        return True
    if _is_timeout(exc) or is_connection_failure(exc):
        return True
    status = status_of(exc)
    if status is None:  # no HTTP error answer: an error event inside a 200 stream, as litellm rated it
        import litellm

        return isinstance(exc, litellm.APIConnectionError) or _claimed_status(exc) in RETRY_STATUSES
    return status in RETRY_STATUSES


def _body_text(response: Any) -> str:
    try:
        return str(response.text or "")
    except Exception:  # a streamed response that was never read
        return ""


def provider_message(body: str) -> str | None:
    """The provider's own words in an error body, as each documents its errors:
    Anthropic ``{"type": "error", "error": {"type", "message"}}`` -> ``type: message``;
    Gemini ``{"error": {"code", "message", "status"}}`` -> ``STATUS: message``;
    OpenAI ``{"error": {"message", "type", "code"}}`` -> ``message``; Ollama ``{"error": "text"}``."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list) and data and isinstance(data[0], dict):  # Gemini's streamed errors come in a list
        data = data[0]
    if not isinstance(data, dict):
        return None
    error = data.get("error", data)
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return None
    message = error.get("message") or error.get("detail")
    if not isinstance(message, str) or not message:
        return None
    label = error.get("status") if isinstance(error.get("status"), str) else None
    if data.get("type") == "error" and isinstance(error.get("type"), str):
        label = error["type"]
    return f"{label}: {message}" if label else message


def _litellm_message(exc: BaseException) -> str:
    """The innermost message litellm kept, without its class prefixes and advice."""
    texts = [str(getattr(e, "message", None) or e) for e in _chain(exc)]
    for text in reversed(texts):  # innermost first: the provider's words before litellm's wrapping
        if isinstance(text, str) and text.strip() and not text.startswith(("Client error '", "Server error '")):
            break
    else:
        text = texts[0]
    text = _BOILERPLATE.sub("", _PREFIX.sub("", text.strip()))
    if text.startswith(("b'", 'b"')):  # bytes litellm printed with repr(): the body itself
        text = text[2:-1]
    return provider_message(text) or text


def _detail(exc: BaseException) -> str:
    response = _server_response(exc)
    event = _stream_error_event(exc)
    text = str(event) if event is not None else None
    if text is None and response is not None:
        body = _body_text(response)
        text = provider_message(body)
        if text is None and body.strip():
            content_type = response.headers.get("content-type", "")
            text = f"got {content_type.split(';')[0]}" if "html" in content_type else body.strip()
    if text is None:
        text = _litellm_message(exc)
    text = text.strip().splitlines()[0] if text.strip() else ""
    return scrub(text[:240])


def _not_json_answer(exc: BaseException) -> str | None:
    """What came instead of a JSON answer, when litellm says it got something that is not one."""
    for item in _chain(exc):
        found = re.search(r"Empty or invalid response from LLM endpoint\. Received: (.*?)\. Check ",
                          str(getattr(item, "message", None) or item), re.DOTALL)
        if found:
            received = found.group(1).strip("'\"")
            if received.lstrip().lower().startswith(("<!doctype html", "<html")):
                return "got an HTML page"
            return f"got {received[:60]!r}" if received else "got an empty body"
    return None


def protocol_name(model: str) -> str:
    """Whose wire format a model is asked in (for messages about answers in another format)."""
    prefix = model.split("/", 1)[0] if "/" in model else ""
    if not prefix:
        try:
            import litellm

            prefix = litellm.get_llm_provider(model)[1]
        except Exception:
            prefix = "openai"
    if prefix.startswith("anthropic"):
        return "Anthropic"
    if prefix in ("gemini", "vertex_ai", "vertex_ai_beta"):
        return "Gemini"
    if prefix.startswith("ollama"):
        return "Ollama"
    return "OpenAI"


_STREAM_TYPES = ("event-stream", "json")  # SSE; JSON, NDJSON (Ollama streams application/x-ndjson)


def content_type(response: Any) -> str | None:
    """The Content-Type of a streamed answer, as litellm kept the response headers."""
    hidden = getattr(response, "_hidden_params", None) or {}
    for headers in (getattr(response, "_response_headers", None), hidden.get("additional_headers")):
        if isinstance(headers, Mapping):
            for key in ("content-type", "llm_provider-content-type"):
                if headers.get(key):
                    return str(headers[key])
    return None


def not_the_protocol(response: Any, *, model: str, api_base: str | None) -> ProviderError | None:
    """A 200 whose body is not an answer stream at all (an HTML page from a proxy or a login portal,
    a file): one line naming what came, instead of an empty "incomplete" answer."""
    kind = content_type(response)
    if kind is None or any(t in kind.lower() for t in _STREAM_TYPES):
        return None
    return _format_error(model, api_base, f"got {kind.split(';')[0].strip() or 'no content type'}")


def _format_error(model: str, api_base: str | None, what: str) -> ProviderError:
    where = f"the server at {display_url(api_base)}" if api_base else "the provider"
    return ProviderError(f"{where} did not answer in the {protocol_name(model)} format: {what}", kind="protocol")


def retry_reason(exc: BaseException) -> str:
    """What failed, for the notice before a retry: the real status and the provider's words, or
    what happened to the connection."""
    status = status_of(exc)
    if status is None and is_connection_failure(exc):
        return connection_reason(exc)
    if status is None and _is_timeout(exc):
        return "timed out"
    detail = _detail(exc).rstrip(".")
    if status is None:
        return f"error from the provider: {detail}" if detail else "error from the provider"
    label = f"rate limited (HTTP {status})" if status == 429 else f"HTTP {status}"
    return f"{label}: {detail}" if detail else label


def to_provider_error(
    exc: BaseException, *, model: str, api_base: str | None, attempts: int, timeout: float
) -> ProviderError:
    error = _provider_error(exc, model=model, api_base=api_base, attempts=attempts, timeout=timeout)
    error.sent = not never_sent(exc)
    return error


def _provider_error(
    exc: BaseException, *, model: str, api_base: str | None, attempts: int, timeout: float
) -> ProviderError:
    import litellm

    status = status_of(exc)
    where = display_url(api_base) or "the provider"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ProviderError(
            f"the conversation no longer fits {model}'s context window: shorten it or start a new session",
            kind="context_window",
            status=status,
        )
    bad_json = _bad_json(exc)
    if bad_json is not None:
        what = f"its answer is not valid JSON ({bad_json.msg} at character {bad_json.pos})"
        return _format_error(model, api_base, what)
    not_json = _not_json_answer(exc)
    if not_json is not None:
        return _format_error(model, api_base, not_json)
    if status is None and _is_timeout(exc):
        each = f" ({attempts} attempts of {timeout:g} s)" if attempts > 1 else f" after {timeout:g} s"
        return ProviderError(f"request to {where} timed out{each}", kind="timeout")
    if status is None and is_connection_failure(exc):
        return ProviderError(f"cannot reach {where}{tries}: {connection_reason(exc)}", kind="network")
    detail = _detail(exc)
    if isinstance(exc, litellm.BadRequestError) and "LLM Provider NOT provided" in str(exc):
        return ProviderError(
            f"unknown model {model!r}: litellm cannot tell its provider (prefix it, e.g. openai/{model})",
            kind="model",
        )
    if status == 401 or isinstance(exc, litellm.AuthenticationError):
        return ProviderError(
            f"authentication failed for {model} (HTTP {status or 401}): {detail}", kind="auth", status=status
        )
    if status == 429:
        return ProviderError(f"rate limited by {where} (HTTP 429){tries}: {detail}", kind="rate_limit", status=status)
    if status == 404 or isinstance(exc, litellm.NotFoundError):
        return ProviderError(f"unknown model {model!r} (HTTP {status or 404}): {detail}", kind="model", status=status)
    if status is not None and status >= 500:
        return ProviderError(
            f"server error from {where} (HTTP {status}){tries}: {detail}", kind="server", status=status
        )
    if status is not None:
        return ProviderError(
            f"the provider refused the request (HTTP {status}): {detail}", kind="request", status=status
        )
    # No HTTP error answer: the provider reported the error inside its 200 stream.
    return ProviderError(f"error from {where}{tries}: {detail or type(exc).__name__}", kind="server")


def connection_reason(exc: BaseException) -> str:
    text = " ".join(str(e) for e in _chain(exc)).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text \
            or "name resolution" in text or "no address associated" in text:
        return "host not found"
    if "timed out" in text or "timeout" in text:
        return "connection timed out"
    if "reset" in text:
        return "connection reset by the server"
    return _detail(exc) or "connection error"


_connection_reason = connection_reason  # the name client.py's stream loop uses
