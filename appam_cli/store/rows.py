"""Turning rows of the store into model objects and back (plain SQL, no ORM).

Statements name their parameters after the columns (``:model``), so each ``*_params``
below returns a dict keyed by column name and the column lists come from ``store.schema``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, cast

from appam_cli.datamodel import AggregatedUsage, ChatMessage, RequestRecord, RequestUsage, Session, SessionStatus
from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.datamodel.times import from_db, to_db
from appam_cli.store.schema import MESSAGES, SESSION_TOTALS, SESSIONS

SESSION_COLUMNS = ", ".join(SESSIONS.names())
# A message as its session reads it (its row id and session id aside).
MESSAGE_COLUMNS = ", ".join(MESSAGES.names(without=("id", "session_id")))
INSERT_SESSION = SESSIONS.insert(SESSIONS.names())
INSERT_MESSAGE = MESSAGES.insert(MESSAGES.names(without=("id",)))


def usage_from_row(row: sqlite3.Row) -> AggregatedUsage:
    return AggregatedUsage(
        total_input_tokens=row["input_tokens"],
        total_output_tokens=row["output_tokens"],
        total_cache_creation_tokens=row["cache_creation_tokens"],
        total_cache_read_tokens=row["cache_read_tokens"],
        total_reasoning_tokens=row["reasoning_tokens"],
        total_cost_usd=row["cost_usd"] or 0.0,
        request_count=row["request_count"],
        unpriced_requests=row["unpriced_requests"],
        estimated_requests=row["estimated_requests"],
    )


def summary_from_row(row: sqlite3.Row) -> SessionSummary:
    return SessionSummary(
        session_id=row["id"],
        agent_name=row["agent_name"],
        model=row["model"],
        title=row["title"],
        status=row["status"],
        parent_id=row["parent_id"],
        started_at=from_db(row["started_at"]),
        ended_at=from_db(row["ended_at"]),
        updated_at=from_db(row["updated_at"]),
        message_count=row["message_count"],
        usage=usage_from_row(row),
    )


def session_from_row(row: sqlite3.Row, messages: list[ChatMessage]) -> Session:
    usage = usage_from_row(row)
    return Session(
        session_id=row["id"],
        agent_name=row["agent_name"],
        model=row["model"],
        messages=messages,
        started_at=from_db(row["started_at"]),
        ended_at=from_db(row["ended_at"]),
        usage=usage if usage.request_count else None,
        title=row["title"],
        status=row["status"],
        parent_id=row["parent_id"],
        api_base=row["api_base"],
        imported_api_base=row["imported_api_base"],
    )


def message_from_row(row: sqlite3.Row) -> ChatMessage:
    return ChatMessage(
        role=row["role"],
        content=row["content"],
        reasoning=row["reasoning"],
        tool_calls=json.loads(row["tool_calls"]) if row["tool_calls"] else None,
        tool_call_id=row["tool_call_id"],
        name=row["name"],
        timestamp=cast(datetime, from_db(row["created_at"])),  # a NOT NULL column
        model=row["model"],
        status=row["status"],
        thinking_blocks=json.loads(row["thinking_blocks"]) if row["thinking_blocks"] else None,
    )


def session_params(session: Session, *, started_at: datetime | None, updated_at: datetime) -> dict[str, Any]:
    """A new session row; its totals start at zero (the ledger sets them: store.ledger)."""
    return {
        "id": session.session_id,
        "agent_name": session.agent_name,
        "model": session.model,
        "title": session.title,
        "status": session.status,
        "parent_id": session.parent_id,
        "started_at": to_db(started_at),
        "ended_at": to_db(session.ended_at),
        "updated_at": to_db(updated_at),
        "message_count": len(session.messages),
        **dict.fromkeys(SESSION_TOTALS, 0),
        "api_base": session.api_base,
        "imported_api_base": session.imported_api_base,
        **_writer(session),
    }


def _writer(session: Session) -> dict[str, Any]:
    """A running session is this process's to answer; any other status has no writer."""
    if session.status != SessionStatus.RUNNING:
        return {"writer_pid": None, "writer_host": None}
    from appam_cli.store.liveness import this_process

    pid, host = this_process()
    return {"writer_pid": pid, "writer_host": host}


def message_params(session_id: str, position: int, m: ChatMessage) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "position": position,
        "role": m.role,
        "content": m.content,
        "reasoning": m.reasoning,
        "tool_calls": json.dumps(m.tool_calls) if m.tool_calls else None,
        "tool_call_id": m.tool_call_id,
        "name": m.name,
        "model": m.model,
        "status": m.status,
        "created_at": to_db(m.timestamp),
        "thinking_blocks": json.dumps(m.thinking_blocks) if m.thinking_blocks else None,
    }


def request_from_row(row: sqlite3.Row) -> RequestRecord:
    return RequestRecord(
        id=row["id"],
        model=row["model"],
        usage=RequestUsage(
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cache_creation_tokens=row["cache_creation_tokens"],
            cache_read_tokens=row["cache_read_tokens"],
            reasoning_tokens=row["reasoning_tokens"],
            estimated=bool(row["usage_estimated"]),
        ),
        cost_usd=row["cost_usd"],
        started_at=cast(datetime, from_db(row["started_at"])),  # a NOT NULL column
        duration_ms=row["duration_ms"],
        ttft_ms=row["ttft_ms"],
        status=row["status"],
        agent_name=row["agent_name"],
        imported=bool(row["imported"]),
    )


def request_params(session_id: str | None, r: RequestRecord) -> dict[str, Any]:
    u = r.usage
    return {
        "session_id": session_id,
        "agent_name": r.agent_name,
        "model": r.model,
        "started_at": to_db(r.started_at),
        "duration_ms": r.duration_ms,
        "ttft_ms": r.ttft_ms,
        "status": r.status,
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "cache_creation_tokens": u.cache_creation_tokens,
        "cache_read_tokens": u.cache_read_tokens,
        "reasoning_tokens": u.reasoning_tokens,
        "cost_usd": r.cost_usd,
        "usage_estimated": int(u.estimated),
        "imported": int(r.imported),
        # who writes a running row (store.running); a finished row written at once has none
        "owner_pid": None,
        "owner_host": None,
        "heartbeat_at": None,
    }
