"""The provider boundary: the only package that imports litellm, and only when a request is made.

``stream_chat(ProviderRequest)`` yields normalised events and ends with a
StreamResult. Importing this package is cheap: litellm loads on first use.
``use_backend`` routes requests elsewhere, e.g. to a worker process that keeps
litellm loaded (``providers.remote``, used by the chat REPL).
"""

from __future__ import annotations

from typing import Iterator

from appam_cli.providers.events import (
    Event,
    ProviderRequest,
    ReasoningDelta,
    Retrying,
    StreamResult,
    TextDelta,
    ToolCallDelta,
)


_backend = None  # an object with stream_chat() and estimate_usage(), or None: in this process


def use_backend(backend) -> None:
    """Serve requests through ``backend`` (e.g. ``remote.ProviderWorker``); None: in this process."""
    global _backend
    _backend = backend


def stream_chat(request: ProviderRequest) -> Iterator[Event]:
    if _backend is not None:
        return _backend.stream_chat(request)
    from appam_cli.providers.client import stream_chat as _stream_chat

    return _stream_chat(request)


def estimate_usage(model, messages, answer):
    if _backend is not None:
        return _backend.estimate_usage(model, messages, answer)
    from appam_cli.providers.usage import estimate_usage as _estimate

    return _estimate(model, messages, answer)


def request_cost(model, usage, price=None):
    from appam_cli.providers.pricing import request_cost as _cost

    return _cost(model, usage, price)


__all__ = [
    "Event",
    "ProviderRequest",
    "ReasoningDelta",
    "Retrying",
    "StreamResult",
    "TextDelta",
    "ToolCallDelta",
    "estimate_usage",
    "request_cost",
    "stream_chat",
    "use_backend",
]
