"""Building session stores for the `appam sessions …` tests, fast (SessionHistory, no provider)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from appam_cli.datamodel import ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.store import SessionHistory


def make_session(
    prompt: str = "why is the sky blue?",
    answer: str = "Rayleigh scattering.",
    *,
    session_id: str | None = None,
    model: str = "openai/test-model",
    agent: str = "default",
    status: str = "completed",
    tokens: tuple[int, int] = (10, 20),
    cost: float | None = 0.001,
    extra: list[ChatMessage] | None = None,
) -> Session:
    session = Session(model=model, agent_name=agent, title=" ".join(prompt.split())[:60], status=status)
    if session_id:
        session.session_id = session_id
    session.messages = [ChatMessage("user", prompt), ChatMessage("assistant", answer, model=model)] + (extra or [])
    session.requests = [RequestRecord(model, RequestUsage(*tokens), cost_usd=cost, agent_name=agent)]
    session.ended_at = utcnow()
    return session


def save(home: Path, *sessions: Session, age: timedelta | None = None) -> list[str]:
    """Save sessions under $APPAM_HOME; ``age`` back-dates their last update (and start)."""
    history = SessionHistory(db_path=home / "sessions.db")
    for session in sessions:
        history.save_session(session)
    if age is not None:
        when = to_db(utcnow() - age)
        with history.conn:
            history.conn.executemany(
                "UPDATE sessions SET updated_at = ?, started_at = ? WHERE id = ?",
                [(when, when, s.session_id) for s in sessions],
            )
    history.close()
    return [s.session_id for s in sessions]


def snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every row of the store's tables, to show a failed command changed nothing."""
    conn = sqlite3.connect(home / "sessions.db")
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("sessions", "messages", "requests")
        }
    finally:
        conn.close()


def fts_ok(home: Path) -> None:
    """FTS5's own check that the index matches the messages table (raises if not)."""
    conn = sqlite3.connect(home / "sessions.db")
    try:
        conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        conn.close()


def fts_rowids(home: Path, query: str) -> list[int]:
    conn = sqlite3.connect(home / "sessions.db")
    try:
        return [r[0] for r in conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (query,))]
    finally:
        conn.close()
