"""SessionHistory: save, load, list and delete sessions in the SQLite store.

Writes are short ``BEGIN IMMEDIATE`` transactions. Messages are stored one row
each, by position: saving appends the rows not yet saved and never rewrites the
earlier ones; the answer still streaming is checkpointed into its own row.
Session totals are recomputed from the ledger (``requests``) in the same
transaction that adds a request row, so the two always agree.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appam_cli.errors import UserError
from appam_cli.models import Session
from appam_cli.models.times import to_db, utcnow
from appam_cli.store import db
from appam_cli.store.rows import (
    MESSAGE_COLUMNS,
    SESSION_COLUMNS,
    SessionSummary,
    message_from_row,
    message_params,
    request_from_row,
    request_params,
    session_from_row,
    summary_from_row,
)

MIN_PREFIX = 4

_UPSERT_MESSAGE = (
    f"INSERT INTO messages (session_id, {MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (session_id, position) DO UPDATE SET role = excluded.role, content = excluded.content, "
    "reasoning = excluded.reasoning, tool_calls = excluded.tool_calls, tool_call_id = excluded.tool_call_id, "
    "name = excluded.name, model = excluded.model, status = excluded.status"
)
_INSERT_REQUEST = (
    "INSERT INTO requests (session_id, agent_name, model, started_at, duration_ms, ttft_ms, status, "
    "input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, "
    "usage_estimated, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_RECOMPUTE_TOTALS = """
UPDATE sessions SET
  input_tokens = t.i, output_tokens = t.o, cache_creation_tokens = t.cc, cache_read_tokens = t.cr,
  reasoning_tokens = t.r, cost_usd = t.cost, request_count = t.n, unpriced_requests = t.unpriced,
  estimated_requests = t.est
FROM (SELECT COALESCE(SUM(input_tokens), 0) AS i, COALESCE(SUM(output_tokens), 0) AS o,
             COALESCE(SUM(cache_creation_tokens), 0) AS cc, COALESCE(SUM(cache_read_tokens), 0) AS cr,
             COALESCE(SUM(reasoning_tokens), 0) AS r, COALESCE(SUM(cost_usd), 0.0) AS cost, COUNT(*) AS n,
             COALESCE(SUM(cost_usd IS NULL), 0) AS unpriced, COALESCE(SUM(usage_estimated), 0) AS est
      FROM requests WHERE session_id = ?) AS t
WHERE sessions.id = ?
"""


class SessionHistory:
    """The session store. ``enabled=False`` makes every operation a no-op (nothing is read or written)."""

    def __init__(
        self,
        enabled: bool = True,
        db_path: str | Path | None = None,
        url: str | None = None,
        auto_save: bool = True,
        max_sessions: int | None = None,
    ) -> None:
        self.enabled = enabled
        self.auto_save = auto_save
        self.max_sessions = max_sessions
        if url:
            self.path = db.path_from_url(url)
        elif db_path:
            self.path = Path(db_path).expanduser()
        else:
            from appam_cli.config import data_dir

            self.path = data_dir() / "sessions.db"
        self._conn: sqlite3.Connection | None = None
        # session id -> number of leading messages already saved in their final form
        self._saved: dict[str, int] = {}

    @classmethod
    def from_settings(cls, settings, *, enabled: bool = True) -> "SessionHistory":
        return cls(
            enabled=enabled,
            db_path=settings.db_path,
            url=settings.database_url,
            auto_save=settings.auto_save,
            max_sessions=settings.max_sessions,
        )

    # -- connection -------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = db.connect(self.path)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- writing ----------------------------------------------------------
    def save_session(self, session: Session) -> None:
        """Save what is new in ``session``: its row, new messages, new ledger rows, totals."""
        if not self.enabled:
            return
        conn = self.conn
        now = to_db(utcnow())
        start = self._saved.get(session.session_id, 0)
        with db.write(conn):
            conn.execute(
                "INSERT INTO sessions (id, agent_name, model, title, status, parent_id, started_at, ended_at, "
                "updated_at, message_count, input_tokens, output_tokens, cache_creation_tokens, "
                "cache_read_tokens, reasoning_tokens, cost_usd, request_count, unpriced_requests, "
                "estimated_requests) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0.0, 0, 0, 0) "
                "ON CONFLICT (id) DO UPDATE SET agent_name = excluded.agent_name, model = excluded.model, "
                "title = COALESCE(excluded.title, sessions.title), status = excluded.status, "
                "parent_id = excluded.parent_id, ended_at = excluded.ended_at, updated_at = excluded.updated_at, "
                "message_count = excluded.message_count",
                (
                    session.session_id,
                    session.agent_name,
                    session.model,
                    session.title,
                    session.status,
                    session.parent_id,
                    to_db(session.started_at or utcnow()),
                    to_db(session.ended_at),
                    now,
                    len(session.messages),
                ),
            )
            conn.executemany(
                _UPSERT_MESSAGE,
                [message_params(session.session_id, i, m) for i, m in enumerate(session.messages) if i >= start],
            )
            conn.execute(  # a session can shrink (an answer withdrawn, an exchange undone)
                "DELETE FROM messages WHERE session_id = ? AND position >= ?",
                (session.session_id, len(session.messages)),
            )
            new_requests = [r for r in session.requests if r.id is None]
            for record in new_requests:
                cur = conn.execute(_INSERT_REQUEST, request_params(session.session_id, record))
                record.id = cur.lastrowid
            if new_requests or start == 0:
                conn.execute(_RECOMPUTE_TOTALS, (session.session_id, session.session_id))
        self._saved[session.session_id] = len(session.messages)
        if self.max_sessions:
            self.enforce_max_sessions(keep=session.session_id)

    def checkpoint_message(self, session: Session, position: int) -> None:
        """Write the message at ``position`` as it is now (an answer still streaming)."""
        if not self.enabled:
            return
        message = session.messages[position]
        with db.write(self.conn) as conn:
            conn.execute(_UPSERT_MESSAGE, message_params(session.session_id, position, message))
            conn.execute(
                "UPDATE sessions SET updated_at = ?, message_count = MAX(message_count, ?) WHERE id = ?",
                (to_db(utcnow()), position + 1, session.session_id),
            )
        self._saved[session.session_id] = min(self._saved.get(session.session_id, 0), position)

    def enforce_max_sessions(self, keep: str | None = None) -> int:
        """Delete the oldest sessions (by last update) beyond ``max_sessions``; return how many."""
        if not self.enabled or not self.max_sessions:
            return 0
        with db.write(self.conn) as conn:
            rows = conn.execute(
                "SELECT id FROM sessions WHERE id IS NOT ? ORDER BY updated_at DESC LIMIT -1 OFFSET ?",
                (keep, self.max_sessions - (1 if keep else 0)),
            ).fetchall()
            conn.executemany("DELETE FROM sessions WHERE id = ?", [(r["id"],) for r in rows])
        for r in rows:
            self._saved.pop(r["id"], None)
        return len(rows)

    def delete_session(self, session_id: str) -> bool:
        """Remove a session and its messages; its ledger rows stay (they hold no text)."""
        if not self.enabled:
            return False
        with db.write(self.conn) as conn:
            deleted = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
        self._saved.pop(session_id, None)
        return bool(deleted)

    # -- reading ----------------------------------------------------------
    def load_session(self, session_id: str, *, with_requests: bool = False) -> Session | None:
        if not self.enabled:
            return None
        conn = self.conn
        row = conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        messages = [
            message_from_row(m)
            for m in conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY position", (session_id,)
            )
        ]
        session = session_from_row(row, messages)
        if with_requests:
            session.requests = [
                request_from_row(r)
                for r in conn.execute("SELECT * FROM requests WHERE session_id = ? ORDER BY id", (session_id,))
            ]
        self._saved[session_id] = len(messages)
        return session

    def list_sessions(self, limit: int | None = 20, offset: int = 0) -> list[SessionSummary]:
        """Sessions newest first (by last update), without their messages."""
        if not self.enabled:
            return []
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (limit if limit is not None else -1, offset),
        )
        return [summary_from_row(r) for r in rows]

    def session_count(self) -> int:
        if not self.enabled:
            return 0
        return self.conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]

    def resolve_id(self, ref: str) -> str:
        """A full id, a unique prefix (at least 4 characters) or ``last`` -> the full session id."""
        conn = self.conn
        ref = ref.strip()
        if ref == "last":
            row = conn.execute("SELECT id FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1").fetchone()
            if row is None:
                raise UserError("there are no saved sessions yet")
            return row["id"]
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (ref,)).fetchone():
            return ref
        if len(ref) < MIN_PREFIX:
            raise UserError(f"session id prefix {ref!r} is too short: give at least {MIN_PREFIX} characters")
        pattern = ref.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = conn.execute(
            "SELECT id, title FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT 6",
            (pattern,),
        ).fetchall()
        if not rows:
            raise UserError(f"no session matches id {ref!r}")
        if len(rows) > 1:
            listed = ", ".join(r["id"][:12] for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            raise UserError(f"session id prefix {ref!r} is ambiguous: it matches {listed}")
        return rows[0]["id"]

