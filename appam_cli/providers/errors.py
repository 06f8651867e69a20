"""Mapping litellm's exceptions to one clear line each (and whether to retry)."""

from __future__ import annotations

import re

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


def scrub(text: str) -> str:
    """Keep API keys and passwords out of anything we print."""
    return _SECRET.sub(lambda m: next(g for g in m.groups() if g is not None) + "…", text)


def display_url(url: str | None) -> str | None:
    """A base URL fit to print: no user:password@, no query string (keys travel there)."""
    if not url:
        return url
    return re.sub(r"\?.*$", "", re.sub(r"://[^/@\s]+@", "://", url))


def status_of(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def is_retryable(exc: BaseException) -> bool:
    import litellm

    if isinstance(exc, (litellm.Timeout, litellm.APIConnectionError)):
        return True
    status = status_of(exc)
    return status in RETRY_STATUSES


def retry_after(exc: BaseException) -> float | None:
    """Seconds from the provider's ``Retry-After`` (or ``retry-after-ms``) header, if it sent one."""
    headers = None
    response = getattr(exc, "response", None)
    if response is not None:
        headers = getattr(response, "headers", None)
    if not headers:
        headers = getattr(exc, "litellm_response_headers", None)
    if not headers:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (litellm keeps the SDK's and httpx's errors underneath)."""
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        stack += [item.__cause__, item.__context__, getattr(item, "original_exception", None)]
    return seen


def is_connection_failure(exc: BaseException) -> bool:
    import httpx

    return any(isinstance(e, (httpx.ConnectError, httpx.RemoteProtocolError, ConnectionError)) for e in _chain(exc))


def _provider_detail(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc)
    text = re.sub(r"^(litellm\.)?\w+(Error|Exception):\s*", "", text)
    text = re.sub(r"^(litellm\.)?\w+(Error|Exception):\s*", "", text)
    text = re.sub(r"^\w+Exception - ", "", text)
    text = text.strip().splitlines()[0] if text.strip() else ""
    return scrub(text[:240])


def to_provider_error(
    exc: BaseException, *, model: str, api_base: str | None, attempts: int, timeout: float
) -> ProviderError:
    import litellm

    status = status_of(exc)
    where = display_url(api_base) or "the provider"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    detail = _provider_detail(exc)
    if isinstance(exc, litellm.ContextWindowExceededError):
        return ProviderError(
            f"the conversation no longer fits {model}'s context window: shorten it or start a new session",
            kind="context_window",
            status=status,
        )
    if isinstance(exc, litellm.AuthenticationError):
        return ProviderError(
            f"authentication failed for {model} (HTTP {status or 401}): {detail}", kind="auth", status=status
        )
    if isinstance(exc, litellm.RateLimitError):
        return ProviderError(f"rate limited by {where}{tries}: try again later", kind="rate_limit", status=status)
    if isinstance(exc, litellm.NotFoundError):
        return ProviderError(f"unknown model {model!r} (HTTP 404): {detail}", kind="model", status=status)
    if isinstance(exc, litellm.Timeout):
        return ProviderError(f"request to {where} timed out after {timeout:g} s{tries}", kind="timeout")
    if (isinstance(exc, litellm.APIConnectionError) and status in (None, 0)) or is_connection_failure(exc):
        return ProviderError(f"cannot reach {where}{tries}: {_connection_reason(exc)}", kind="network")
    if isinstance(exc, litellm.BadRequestError) and "LLM Provider NOT provided" in str(exc):
        return ProviderError(
            f"unknown model {model!r}: litellm cannot tell its provider (prefix it, e.g. openai/{model})",
            kind="model",
        )
    if status is not None and status >= 500:
        return ProviderError(
            f"server error from {where} (HTTP {status}){tries}: {detail}", kind="server", status=status
        )
    if status is not None:
        return ProviderError(
            f"the provider refused the request (HTTP {status}): {detail}", kind="request", status=status
        )
    return ProviderError(f"request failed: {detail or type(exc).__name__}", kind="provider")


def _connection_reason(exc: BaseException) -> str:
    text = " ".join(str(e) for e in _chain(exc)).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "host not found"
    if "timed out" in text or "timeout" in text:
        return "connection timed out"
    if "reset" in text:
        return "connection reset by the server"
    return _provider_detail(exc) or "connection error"
