"""SessionSummary: a saved session without its messages, as ``sessions list`` shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel.times import to_iso
from appam_cli.datamodel.usage import AggregatedUsage


@dataclass
class SessionSummary:
    """A session as the list shows it: everything but the messages."""

    session_id: str
    agent_name: str
    model: str
    title: str | None
    status: str
    parent_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    updated_at: datetime | None
    message_count: int
    usage: AggregatedUsage = field(default_factory=AggregatedUsage)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "agent_name": self.agent_name,
            "model": self.model,
            "started_at": to_iso(self.started_at),
            "ended_at": to_iso(self.ended_at),
            "usage": self.usage.to_dict() if self.usage.request_count else None,
            "title": self.title,
            "status": self.status,
            "parent_id": self.parent_id,
            "message_count": self.message_count,
            "updated_at": to_iso(self.updated_at),
        }
