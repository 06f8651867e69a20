"""ChatMessage: one message of a conversation, in the seed's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel.status import MessageStatus
from appam_cli.datamodel.times import from_iso, to_iso, utcnow

ROLES = ("system", "user", "assistant", "tool")


@dataclass
class ChatMessage:
    role: str
    content: str | None = None
    reasoning: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    timestamp: datetime = field(default_factory=utcnow)
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETED
    # An assistant message's thinking blocks as the provider sent them, with their signatures
    # (Anthropic: ``{"type": "thinking", "thinking", "signature"}`` or ``{"type": "redacted_thinking",
    # "data"}``). Sent back with the message, which Anthropic requires after a tool call.
    thinking_blocks: list[dict[str, Any]] | None = None
    # Where the store holds this message: (session id, row id), set by the store once the row is
    # committed. Not part of the message's content: never compared, printed or exported.
    row: tuple[str, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown message role {self.role!r} (expected one of {', '.join(ROLES)})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "content": self.content,
            "reasoning": self.reasoning,
            "tool_calls": self.tool_calls,
            "tool_call_id": self.tool_call_id,
            "name": self.name,
            "timestamp": to_iso(self.timestamp),
            "model": self.model,
            "status": self.status,
            **({"thinking_blocks": self.thinking_blocks} if self.thinking_blocks else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatMessage:
        return cls(
            role=data["role"],
            content=data.get("content"),
            reasoning=data.get("reasoning"),
            tool_calls=data.get("tool_calls"),
            tool_call_id=data.get("tool_call_id"),
            name=data.get("name"),
            timestamp=from_iso(data.get("timestamp")) or utcnow(),
            model=data.get("model"),
            status=MessageStatus(data.get("status") or MessageStatus.COMPLETED),
            thinking_blocks=data.get("thinking_blocks") or None,
        )

    def to_provider(self, *, thinking: bool = True) -> dict[str, Any]:
        """The message as the OpenAI chat API takes it (what litellm is sent); ``thinking``: with
        its thinking blocks (litellm sends them to Anthropic; providers/ leaves them out elsewhere)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content or ""}
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
            if not self.content:
                out["content"] = None
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        if self.name:
            out["name"] = self.name
        if thinking and self.thinking_blocks:
            out["thinking_blocks"] = self.thinking_blocks
        return out


def provider_messages(messages: list[ChatMessage], *, thinking: bool = True) -> list[dict[str, Any]]:
    """The conversation as the OpenAI chat API takes it.

    Providers refuse a conversation in which an assistant's tool call goes unanswered, or a tool
    result answers no call. A loop stopped before its tools ran (``--max-steps``, Ctrl-C, a kill)
    leaves such calls: each assistant message keeps the calls a tool message answers (none: it is
    sent as its text, or left out when it has none), and a tool message whose call is not sent is
    left out. An answer cut before
    anything arrived (the place a killed turn reserved for it) says nothing and is left out.
    ``thinking``: with the assistants' thinking blocks (False for an export in OpenAI's format).
    """
    answered = {m.tool_call_id for m in messages if m.role == "tool" and m.tool_call_id}
    sent_calls: set[str] = set()
    out = []
    for m in messages:
        if m.role == "assistant" and m.status != MessageStatus.COMPLETED and not (m.content or m.tool_calls):
            continue
        if m.role == "tool" and m.tool_call_id not in sent_calls:
            continue
        item = m.to_provider(thinking=thinking)
        calls = item.get("tool_calls")
        if calls:
            kept = [call for call in calls if call.get("id") in answered]
            if kept:
                item["tool_calls"] = kept
                sent_calls.update(call["id"] for call in kept)
            elif not m.content:  # only calls, none of them run: it said nothing to send back
                continue
            else:
                del item["tool_calls"]
                item["content"] = m.content
        out.append(item)
    return out
