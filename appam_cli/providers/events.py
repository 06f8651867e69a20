"""What the provider layer yields: normalised events, then one StreamResult.

Nothing here knows litellm's types; the agent, the store and the renderer only
ever see these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from appam_cli.datamodel.options import RequestOptions
from appam_cli.datamodel.price import ModelPrice
from appam_cli.datamodel.usage import RequestUsage


@dataclass
class ProviderRequest:
    """One request: the conversation, and how to ask (the RequestOptions every layer passes on)."""

    messages: list[dict[str, Any]]
    options: RequestOptions
    tools: list[dict[str, Any]] | None = None
    price: ModelPrice | None = None  # from config.toml: overrides the price map for this request
    count_every: int | None = None  # characters between two token counts (Progress); None: the default

    @property
    def model(self) -> str:
        if not self.options.model:
            raise ValueError("a provider request needs a model")
        return self.options.model


@dataclass
class TextDelta:
    text: str


@dataclass
class ReasoningDelta:
    text: str


@dataclass
class ToolCallDelta:
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass
class Retrying:
    """A failed attempt before any answer arrived; the next one starts after ``wait`` seconds."""

    attempt: int
    wait: float
    reason: str
    sent: bool = True  # False: the failed attempt never reached a server (connection refused, say)


@dataclass
class Notice:
    """Something the user should know about the request before it is made (an option the model ignores)."""

    text: str


@dataclass
class Progress:
    """The answer so far as the model's tokenizer counts it, sent at checkpoints while it streams
    (``providers.tally``): the first ``text_bytes`` (UTF-8) of the text and ``reasoning_bytes`` of
    the reasoning yielded before it; what follows them is not counted yet."""

    output_tokens: int  # text and reasoning
    reasoning_tokens: int = 0
    text_bytes: int = 0
    reasoning_bytes: int = 0


@dataclass
class StreamResult:
    """How the request ended. ``finish_reason`` is None when the provider never sent one (incomplete)."""

    finish_reason: str | None
    usage: RequestUsage = field(default_factory=RequestUsage)
    cost_usd: float | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # why a started stream was cut
    cost_reported: bool = False  # ``cost_usd`` is what the server reported it charged (providers/reported.py)
    served_model: str | None = None  # the model the server says answered (a proxy's real model)
    # Anthropic's thinking blocks with their signatures, in order (``{"type": "thinking", "thinking",
    # "signature"}``, ``{"type": "redacted_thinking", "data"}``): sent back with the answer after a
    # tool call. None when the provider sent none (a class default: a result from an older worker has none).
    thinking_blocks: list[dict[str, Any]] | None = None

    @property
    def incomplete(self) -> bool:
        return self.finish_reason is None


Event = TextDelta | ReasoningDelta | ToolCallDelta | Retrying | Notice | Progress | StreamResult
