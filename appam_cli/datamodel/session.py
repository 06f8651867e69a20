"""Session: a conversation with its messages, timing and usage (the seed's shape)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel.message import ChatMessage
from appam_cli.datamodel.request import RequestRecord
from appam_cli.datamodel.status import SessionStatus
from appam_cli.datamodel.times import from_iso, to_iso, utcnow
from appam_cli.datamodel.usage import AggregatedUsage

STATUSES = tuple(SessionStatus)


def new_session_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Session:
    session_id: str = field(default_factory=new_session_id)
    agent_name: str = "default"
    model: str = ""
    messages: list[ChatMessage] = field(default_factory=list)
    started_at: datetime | None = field(default_factory=utcnow)
    ended_at: datetime | None = None
    usage: AggregatedUsage | None = None
    # Extra keys beside the seed's.
    title: str | None = None
    status: SessionStatus = SessionStatus.RUNNING
    parent_id: str | None = None
    # Where it was answered (``--api-base``/config; None: the provider's default), never a key.
    api_base: str | None = None
    # An API base named only by an imported file: not used until the user confirms it
    # (``appam sessions confirm-api-base``) or passes ``--api-base``.
    imported_api_base: str | None = None
    # The provider profile (config.toml's [profiles.NAME]) that answered it; continuing reads that
    # profile from today's config. None: not a profile's.
    profile: str | None = None
    # The provider requests made for this session (the ledger rows). Loaded on
    # export; a running agent appends one per request.
    requests: list[RequestRecord] = field(default_factory=list)

    def last_answer(self) -> str | None:
        """The final assistant response, as the seed's example extracts it."""
        for message in reversed(self.messages):
            if message.role == "assistant" and message.content:
                return message.content
        return None

    def to_dict(self, include_messages: bool = True, include_requests: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "session_id": self.session_id,
            "agent_name": self.agent_name,
            "model": self.model,
        }
        if include_messages:
            data["messages"] = [m.to_dict() for m in self.messages]
        data.update(
            started_at=to_iso(self.started_at),
            ended_at=to_iso(self.ended_at),
            usage=self.usage.to_dict() if self.usage else None,
            title=self.title,
            status=self.status,
            parent_id=self.parent_id,
        )
        if self.api_base or self.imported_api_base:
            data["api_base"] = self.api_base or self.imported_api_base
        if self.profile:
            data["profile"] = self.profile
        if include_requests:
            data["requests"] = [r.to_dict() for r in self.requests]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        usage = data.get("usage")
        return cls(
            session_id=data["session_id"],
            agent_name=data.get("agent_name") or "default",
            model=data.get("model") or "",
            messages=[ChatMessage.from_dict(m) for m in data.get("messages") or []],
            started_at=from_iso(data.get("started_at")),
            ended_at=from_iso(data.get("ended_at")),
            usage=AggregatedUsage.from_dict(usage) if usage else None,
            title=data.get("title"),
            status=SessionStatus(data.get("status") or SessionStatus.COMPLETED),
            parent_id=data.get("parent_id"),
            imported_api_base=data.get("api_base"),  # a file names it: the user confirms it first
            profile=data.get("profile"),
            requests=[RequestRecord.from_dict(r) for r in data.get("requests") or []],
        )
