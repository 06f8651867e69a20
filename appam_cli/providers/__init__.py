"""The provider boundary: the only package that imports litellm, and only when a request is made.

A ``ProviderBackend`` serves a ``ProviderRequest``: it yields normalised events and ends
with a StreamResult. ``LocalBackend`` does it in this process; ``remote.ProviderWorker``
in a worker process that keeps litellm loaded. Importing this package is cheap.
"""

from __future__ import annotations

from appam_cli.datamodel.price import ModelPrice
from appam_cli.datamodel.usage import RequestUsage
from appam_cli.providers.backend import LocalBackend, ProviderBackend
from appam_cli.providers.events import (
    Event,
    Notice,
    Progress,
    ProviderRequest,
    ReasoningDelta,
    Retrying,
    StreamResult,
    TextDelta,
    ToolCallDelta,
)


def request_cost(model: str, usage: RequestUsage, price: ModelPrice | None = None) -> float | None:
    from appam_cli.providers.pricing import request_cost as _cost

    return _cost(model, usage, price)


__all__ = [
    "Event",
    "LocalBackend",
    "Notice",
    "Progress",
    "ProviderBackend",
    "ProviderRequest",
    "ReasoningDelta",
    "Retrying",
    "StreamResult",
    "TextDelta",
    "ToolCallDelta",
    "request_cost",
]
