"""The provider boundary: the only package that imports litellm, and only when a request is made.

``stream_chat(ProviderRequest)`` yields normalised events and ends with a
StreamResult. Importing this package is cheap: litellm loads on first use.
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


def stream_chat(request: ProviderRequest) -> Iterator[Event]:
    from appam_cli.providers.client import stream_chat as _stream_chat

    return _stream_chat(request)


def estimate_usage(model, messages, answer):
    from appam_cli.providers.usage import estimate_usage as _estimate

    return _estimate(model, messages, answer)


def request_cost(model, usage):
    from appam_cli.providers.pricing import request_cost as _cost

    return _cost(model, usage)


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
]
