"""Where provider requests are served: this process, or the worker process (``remote.ProviderWorker``).

An Agent is given its backend; nothing here is global. Both kinds have the same two calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from appam_cli.datamodel.usage import RequestUsage
from appam_cli.providers.events import Event, ProviderRequest


class ProviderBackend(Protocol):
    def stream_chat(self, request: ProviderRequest) -> Iterator[Event]:
        """Events for one request, ending with a StreamResult; ProviderError before any answer."""
        ...

    def estimate_usage(self, model: str, messages: list[dict[str, Any]], answer: str) -> RequestUsage:
        """Tokens the model's tokenizer counts for a prompt and an answer (marked estimated)."""
        ...


class LocalBackend:
    """Requests served in this process (litellm is imported on the first one)."""

    def stream_chat(self, request: ProviderRequest) -> Iterator[Event]:
        from appam_cli.providers.client import stream_chat

        return stream_chat(request)

    def estimate_usage(self, model: str, messages: list[dict[str, Any]], answer: str) -> RequestUsage:
        from appam_cli.providers.usage import estimate_usage

        return estimate_usage(model, messages, answer)
