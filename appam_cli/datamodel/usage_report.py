"""UsageReport: the ledger's tokens and cost added up per group (day, model, agent, …), with the filter it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appam_cli.datamodel.times import to_iso
from appam_cli.datamodel.usage import AggregatedUsage


@dataclass
class ReportFilter:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    model: str | None = None  # a part of the model name, any case
    agent: str | None = None  # the agent's exact name


@dataclass
class ReportRow:
    group: str
    usage: AggregatedUsage
    label: str | None = None  # e.g. a session's title

    def to_dict(self) -> dict[str, Any]:
        u = self.usage
        data: dict[str, Any] = {"group": self.group}
        if self.label is not None:
            data["label"] = self.label
        data.update(
            requests=u.request_count,
            input_tokens=u.total_input_tokens,
            output_tokens=u.total_output_tokens,
            cache_read_tokens=u.total_cache_read_tokens,
            cache_creation_tokens=u.total_cache_creation_tokens,
            reasoning_tokens=u.total_reasoning_tokens,
            cost_usd=round(u.total_cost_usd, 10),
            unpriced_requests=u.unpriced_requests,
            estimated_requests=u.estimated_requests,
        )
        return data


@dataclass
class UsageReport:
    by: str
    where: ReportFilter
    rows: list[ReportRow] = field(default_factory=list)
    total: AggregatedUsage = field(default_factory=AggregatedUsage)
    first: datetime | None = None  # the earliest and latest request in the report
    last: datetime | None = None
    empty_store: bool = False  # the ledger holds no request at all

    def to_dict(self) -> dict[str, Any]:
        total = ReportRow("total", self.total).to_dict()
        total.pop("group")
        return {
            "by": self.by,
            "timezone": "UTC",
            "since": to_iso(self.where.since),
            "until": to_iso(self.where.until),
            "model": self.where.model,
            "agent": self.where.agent,
            "first_request_at": to_iso(self.first),
            "last_request_at": to_iso(self.last),
            "groups": [r.to_dict() for r in self.rows],
            "total": total,
        }
