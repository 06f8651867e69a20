"""RequestRecord: one provider request as the ledger keeps it (tokens, cost, timings; no text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel.status import RequestStatus
from appam_cli.datamodel.times import from_iso, to_iso, utcnow
from appam_cli.datamodel.usage import RequestUsage


@dataclass
class RequestRecord:
    model: str
    usage: RequestUsage = field(default_factory=RequestUsage)
    cost_usd: float | None = None
    started_at: datetime = field(default_factory=utcnow)
    duration_ms: int | None = None
    ttft_ms: int | None = None
    status: RequestStatus = RequestStatus.COMPLETED
    agent_name: str = "default"
    imported: bool = False
    # What the server said of the request: the model that answered (a LiteLLM proxy names the real
    # one behind its own name), and whether ``cost_usd`` is the cost it reported (not our price).
    served_model: str | None = None
    cost_reported: bool = False
    id: int | None = None  # set once the row is saved

    def to_dict(self) -> dict[str, Any]:
        u = self.usage
        return {
            "model": self.model,
            "started_at": to_iso(self.started_at),
            "duration_ms": self.duration_ms,
            "ttft_ms": self.ttft_ms,
            "status": self.status,
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "cache_creation_tokens": u.cache_creation_tokens,
            "cache_read_tokens": u.cache_read_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "cost_usd": self.cost_usd,
            "usage_estimated": u.estimated,
            "agent_name": self.agent_name,
            "imported": self.imported,
            **({"served_model": self.served_model} if self.served_model else {}),
            **({"cost_reported": True} if self.cost_reported else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestRecord:
        return cls(
            model=data["model"],
            usage=RequestUsage(
                input_tokens=int(data.get("input_tokens") or 0),
                output_tokens=int(data.get("output_tokens") or 0),
                cache_creation_tokens=int(data.get("cache_creation_tokens") or 0),
                cache_read_tokens=int(data.get("cache_read_tokens") or 0),
                reasoning_tokens=int(data.get("reasoning_tokens") or 0),
                estimated=bool(data.get("usage_estimated")),
            ),
            cost_usd=data.get("cost_usd"),
            started_at=from_iso(data.get("started_at")) or utcnow(),
            duration_ms=data.get("duration_ms"),
            ttft_ms=data.get("ttft_ms"),
            status=RequestStatus(data.get("status") or RequestStatus.COMPLETED),
            agent_name=data.get("agent_name") or "default",
            imported=bool(data.get("imported")),
            served_model=data.get("served_model"),
            cost_reported=bool(data.get("cost_reported")),
        )
