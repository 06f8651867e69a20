"""SQL pieces for reading: the conditions of session lists and usage reports, and id-prefix lookup.

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


def where(
    time_column: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
    agent: str | None = None,
    status: str | None = None,
) -> tuple[str, list[Any]]:
    """`` WHERE …`` (or an empty string) and its parameters, for sessions and ledger rows alike.

    ``time_column`` within [since, until), a part of the model name in any case, the agent's
    exact name, the exact status; a condition given None is left out.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if since:
        clauses.append(f"{time_column} >= ?")
        params.append(to_db(since))
    if until:
        clauses.append(f"{time_column} < ?")
        params.append(to_db(until))
    if model:
        clauses.append("instr(lower(model), ?) > 0")
        params.append(model.lower())
    if agent:
        clauses.append("agent_name = ?")
        params.append(agent)
    if status:
        clauses.append("status = ?")
        params.append(status)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def session_where(f: SessionFilter | None) -> tuple[str, list[Any]]:
    """The condition for ``FROM sessions`` (every session without a filter)."""
    f = f or SessionFilter()
    return where("updated_at", since=f.since, until=f.until, model=f.model, agent=f.agent, status=f.status)


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds such that ``lo <= id < hi`` holds exactly for the ids starting with ``prefix``.

    A range (rather than ``LIKE 'abcd%'``, which SQLite's case-insensitive LIKE
    cannot serve from the primary-key index) keeps the lookup an index search.
    """
    last = prefix[-1]
    return prefix, prefix[:-1] + chr(ord(last) + 1)
