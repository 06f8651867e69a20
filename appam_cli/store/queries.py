"""SQL pieces for reading sessions: list filters and id-prefix lookup.

Plain SQL over the tables that ``store.schema`` declares (no ORM at run time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appam_cli.datamodel.times import to_db


@dataclass
class SessionFilter:
    """Which sessions a listing shows; None means no condition. Times apply to the last update."""

    agent: str | None = None
    model: str | None = None  # a part of the model name, any case
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """``WHERE …`` (or an empty string) and its parameters, for ``FROM sessions``."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.agent:
            clauses.append("agent_name = ?")
            params.append(self.agent)
        if self.model:
            clauses.append("instr(lower(model), ?) > 0")
            params.append(self.model.lower())
        if self.since:
            clauses.append("updated_at >= ?")
            params.append(to_db(self.since))
        if self.until:
            clauses.append("updated_at < ?")
            params.append(to_db(self.until))
        if self.status:
            clauses.append("status = ?")
            params.append(self.status)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds such that ``lo <= id < hi`` holds exactly for the ids starting with ``prefix``.

    A range (rather than ``LIKE 'abcd%'``, which SQLite's case-insensitive LIKE
    cannot serve from the primary-key index) keeps the lookup an index search.
    """
    last = prefix[-1]
    return prefix, prefix[:-1] + chr(ord(last) + 1)
