"""The session store under a test's $APPAM_HOME: built fast through SessionHistory (no provider),
and read back through the store's own API rather than by column name.

Raw SQL stays only where a test looks below the API: ``snapshot`` (every row, to show that a
failed command changed nothing), the search index checks, and back-dating a session (the store
always stamps the present).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from appam_cli.datamodel import ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.store import SessionHistory

# -- building ---------------------------------------------------------------------------


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
    with opened(home) as history:
        for session in sessions:
            history.save_session(session)
    ids = [s.session_id for s in sessions]
    if age is not None:
        backdate(home, ids, utcnow() - age)
    return ids


def backdate(home: Path, session_ids: list[str], when: datetime) -> None:
    """Move the start and last update of these sessions to ``when`` (saving always stamps now)."""
    conn = sqlite3.connect(home / "sessions.db")
    try:
        with conn:
            conn.executemany(
                "UPDATE sessions SET updated_at = ?, started_at = ? WHERE id = ?",
                [(to_db(when), to_db(when), sid) for sid in session_ids],
            )
    finally:
        conn.close()


def add_request(
    home: Path,
    when: datetime | str,
    *,
    model: str = "openai/test-model",
    agent: str = "default",
    cost: float | None = 0.01,
    tokens: tuple[int, int] = (1, 1),
    cache_read: int = 0,
    cache_write: int = 0,
    reasoning: int = 0,
    estimated: bool = False,
) -> None:
    """One ledger row, as a request made at ``when`` (UTC; a naive string is read as UTC) leaves it,
    whose session is gone: it is saved with a session of its own, which is then deleted (the
    ledger outlives its sessions), so the row counts in budgets and reports and nowhere else."""
    if isinstance(when, str):
        when = datetime.fromisoformat(when).replace(tzinfo=UTC)
    usage = RequestUsage(
        tokens[0], tokens[1], cache_creation_tokens=cache_write, cache_read_tokens=cache_read,
        reasoning_tokens=reasoning, estimated=estimated,
    )
    record = RequestRecord(model, usage, cost_usd=cost, started_at=when, agent_name=agent)
    session = Session(model=model, agent_name=agent, started_at=when, ended_at=when, status="completed",
                      requests=[record])
    with opened(home) as history:
        history.save_session(session)
        assert history.delete_session(session.session_id)


# -- reading through the store's API ------------------------------------------------------


@contextmanager
def opened(home: Path) -> Iterator[SessionHistory]:
    """The store under ``home`` (created if there is none yet), closed afterwards."""
    history = SessionHistory(db_path=home / "sessions.db")
    try:
        yield history
    finally:
        history.close()


def sessions(home: Path) -> list[SessionSummary]:
    """Every saved session (without its messages), oldest first by start."""
    with opened(home) as history:
        return sorted(history.list_sessions(limit=None), key=lambda s: s.started_at)


def load(home: Path, session_id: str | None = None) -> Session:
    """A saved session with its messages and its ledger rows (``requests``);
    without an id, the session updated last."""
    with opened(home) as history:
        if session_id is None:
            newest = history.list_sessions(limit=1)
            assert newest, "the store holds no session"
            session_id = newest[0].session_id
        session = history.load_session(session_id, with_requests=True)
    assert session is not None, f"no saved session {session_id}"
    return session


def saved_requests(home: Path) -> list[RequestRecord]:
    """The ledger rows of the saved sessions, in the order they were made (a deleted session's are
    left out: reports read those, see ``appam usage``)."""
    return [r for s in sessions(home) for r in load(home, s.session_id).requests]


def only_session(home: Path) -> Session:
    """The one session in the store (asserting there is exactly one), as ``load`` gives it."""
    saved = sessions(home)
    assert len(saved) == 1, [s.title for s in saved]
    return load(home, saved[0].session_id)


# -- below the API -------------------------------------------------------------------------


def snapshot(home: Path) -> dict[str, list[dict]]:
    """Every row (column -> value) of the store's tables, to show a failed command changed nothing
    or that one left no row behind."""
    conn = sqlite3.connect(home / "sessions.db")
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
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
