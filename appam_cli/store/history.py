"""SessionHistory: save, load, list, search, fork, rename and delete sessions in the SQLite store.

Writes are short ``BEGIN IMMEDIATE`` transactions. Messages are stored one row
each, by position: saving appends the rows not yet saved and never rewrites the
earlier ones; the answer still streaming is checkpointed into its own row.
Session totals are recomputed from the ledger (``requests``) in the same
transaction that adds a request row, so the two always agree.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appam_cli.datamodel import Session
from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.datamodel.status import SessionStatus
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.errors import UserError
from appam_cli.store import db
from appam_cli.store.ledger import INSERT_REQUEST, recompute_totals
from appam_cli.store.queries import SessionFilter, prefix_range, session_where
from appam_cli.store.rows import (
    INSERT_MESSAGE,
    INSERT_SESSION,
    MESSAGE_COLUMNS,
    SESSION_COLUMNS,
    message_from_row,
    message_params,
    request_from_row,
    request_params,
    session_from_row,
    session_params,
    summary_from_row,
)
from appam_cli.store.schema import MESSAGES, SESSION_TOTALS, SESSIONS
from appam_cli.textbytes import is_utf8, printable

MIN_PREFIX = 4

# Saving a session again changes what it says of itself (its title only when it has one),
# never its id or start, and never its totals: ``recompute_totals`` sets those from the ledger.
_RESAVED = SESSIONS.names(without=("id", "started_at", *SESSION_TOTALS))
_SAVE_SESSION = f"{INSERT_SESSION} ON CONFLICT (id) DO UPDATE SET " + ", ".join(
    f"{c} = COALESCE(excluded.{c}, sessions.{c})" if c == "title" else f"{c} = excluded.{c}" for c in _RESAVED
)
# Saving a message again rewrites it at its position (its first timestamp stays), and
# writes nothing when nothing changed, which leaves the search index alone too.
_REWRITTEN = MESSAGES.names(without=("id", "session_id", "position", "created_at"))
_UPSERT_MESSAGE = (
    f"{INSERT_MESSAGE} ON CONFLICT (session_id, position) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _REWRITTEN)
    + " WHERE "
    + " OR ".join(f"messages.{c} IS NOT excluded.{c}" for c in _REWRITTEN)
)


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
        # session id -> the message objects saved in their final form, in order. Saving
        # rewrites from the first position where the session's list differs from this one.
        self._saved: dict[str, list] = {}

    @classmethod
    def from_settings(cls, settings, *, enabled: bool = True) -> SessionHistory:
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
        now = utcnow()
        start = _unchanged_prefix(self._saved.get(session.session_id, []), session.messages)
        with db.write(conn):
            conn.execute(
                _SAVE_SESSION, session_params(session, started_at=session.started_at or utcnow(), updated_at=now)
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
            new_ids = [
                conn.execute(INSERT_REQUEST, request_params(session.session_id, record)).lastrowid
                for record in new_requests
            ]
            if new_requests or start == 0:
                recompute_totals(conn, session.session_id)
        for record, row_id in zip(new_requests, new_ids, strict=True):  # only once committed: a rolled-back
            record.id = row_id  # save must insert them again next time
        self._saved[session.session_id] = list(session.messages)
        if self.max_sessions:
            self.enforce_max_sessions(keep=session.session_id)

    def checkpoint_message(self, session: Session, position: int) -> None:
        """Write the message at ``position`` as it is now (an answer still streaming)."""
        if not self.enabled:
            return
        message = session.messages[position]
        try:
            with db.write(self.conn) as conn:
                conn.execute(_UPSERT_MESSAGE, message_params(session.session_id, position, message))
                conn.execute(
                    "UPDATE sessions SET updated_at = ?, message_count = MAX(message_count, ?) WHERE id = ?",
                    (to_db(utcnow()), position + 1, session.session_id),
                )
        except sqlite3.OperationalError:
            # Best effort: another process holds the store (a big import, say). Skipping one
            # checkpoint beats killing the answer; the next one, or the final save, writes it.
            return
        self._saved[session.session_id] = self._saved.get(session.session_id, [])[:position]

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
        return self.delete_sessions([session_id]) == 1

    def delete_sessions(self, session_ids: list[str]) -> int:
        """Remove sessions, their messages and search-index entries in one transaction.

        Their ledger rows in ``requests`` stay, so spending reports remain true.
        """
        if not self.enabled or not session_ids:
            return 0
        with db.write(self.conn) as conn:
            bulk = self._bulk_delete(conn, session_ids)
            if bulk is None:
                deleted = self._delete_rows(conn, session_ids)
            else:
                with bulk:
                    deleted = self._delete_rows(conn, session_ids)
        for session_id in session_ids:
            self._saved.pop(session_id, None)
        return deleted

    @staticmethod
    def _delete_rows(conn: sqlite3.Connection, session_ids: list[str]) -> int:
        # Messages go with their session (ON DELETE CASCADE); ledger rows have no foreign key and stay.
        return sum(conn.execute("DELETE FROM sessions WHERE id = ?", (sid,)).rowcount for sid in session_ids)

    @staticmethod
    def _bulk_delete(conn: sqlite3.Connection, session_ids: list[str]):
        """The search index's bulk mode when these sessions hold most of the messages, else None."""
        from appam_cli.store import search

        if len(session_ids) < 100 or not search.has_index(conn):
            return None
        doomed = 0
        for start in range(0, len(session_ids), 500):
            chunk = session_ids[start : start + 500]
            doomed += conn.execute(
                f"SELECT COALESCE(SUM(message_count), 0) FROM sessions WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        return None if doomed * 2 < total else search.bulk_delete(conn)

    def rename_session(self, session_id: str, title: str) -> None:
        """Give a session a title of its own (the list shows it instead of the first prompt)."""
        with db.write(self.conn) as conn:
            if not conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id)).rowcount:
                raise UnknownSession(f"no session matches id {session_id!r}")

    def confirm_api_base(self, session_id: str) -> str | None:
        """Use the API base an imported file named for this session from now on; it, or None if none."""
        with db.write(self.conn) as conn:
            row = conn.execute("SELECT imported_api_base FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise UnknownSession(f"no session matches id {session_id!r}")
            if row[0]:
                conn.execute(
                    "UPDATE sessions SET api_base = imported_api_base, imported_api_base = NULL WHERE id = ?",
                    (session_id,),
                )
            return row[0]

    def fork_session(self, session_id: str, at: int | None = None, title: str | None = None) -> Session:
        """A new session holding copies of the first ``at`` messages (all by default) of ``session_id``.

        The fork has its own id, remembers its parent in ``parent_id`` and starts with
        no usage of its own (the tokens were spent, and stay counted, in the parent).
        """
        parent = self.load_session(session_id)
        if parent is None:
            raise UnknownSession(f"no session matches id {session_id!r}")
        count = len(parent.messages)
        if at is None:
            at = count
        if not 1 <= at <= count:
            raise UserError(f"--at must be between 1 and {count} (the session has {count} messages)")
        messages = parent.messages[:at]
        now = utcnow()
        last_model = next((m.model for m in reversed(messages) if m.model), None)
        fork = Session(
            agent_name=parent.agent_name,
            model=last_model or parent.model,
            messages=messages,
            started_at=now,
            ended_at=now,
            title=title or f"{parent.title or 'untitled'} (fork)",
            # a fork of every message keeps an interrupted or failed ending; a cut copy ends complete
            status=parent.status if at == count and parent.status != SessionStatus.RUNNING else SessionStatus.COMPLETED,
            parent_id=parent.session_id,
            api_base=parent.api_base,
            imported_api_base=parent.imported_api_base,
        )
        self.save_session(fork)
        return fork

    # -- reading ----------------------------------------------------------
    def load_session(self, session_id: str, *, with_requests: bool = False, last: int | None = None) -> Session | None:
        """The saved session with its messages (or only its ``last`` ones: then it is for reading, never saving)."""
        if not self.enabled:
            return None
        conn = self.conn
        row = conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        if last is None:
            cursor = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY position", (session_id,)
            )
        else:
            cursor = conn.execute(
                f"SELECT * FROM (SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? "
                "ORDER BY position DESC LIMIT ?) ORDER BY position",
                (session_id, max(last, 0)),
            )
        messages = [message_from_row(m) for m in cursor]
        session = session_from_row(row, messages)
        if with_requests:
            session.requests = [
                request_from_row(r)
                for r in conn.execute("SELECT * FROM requests WHERE session_id = ? ORDER BY id", (session_id,))
            ]
        if last is None:
            self._saved[session_id] = list(messages)
        return session

    def message_count(self, session_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM messages WHERE session_id = ?", (session_id,)).fetchone()[0]

    def models_used(self, session_id: str) -> list[str]:
        """The models that wrote the session's messages, in order of first appearance."""
        rows = self.conn.execute(
            "SELECT model FROM messages WHERE session_id = ? AND model IS NOT NULL "
            "GROUP BY model ORDER BY MIN(position)",
            (session_id,),
        )
        return [r["model"] for r in rows]

    def summary(self, session_id: str) -> SessionSummary | None:
        """The session without its messages (what the list shows)."""
        row = self.conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else summary_from_row(row)

    def title_of(self, session_id: str) -> str | None:
        row = self.conn.execute("SELECT title FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else (row["title"] or "")

    def list_sessions(
        self, limit: int | None = 20, offset: int = 0, where: SessionFilter | None = None
    ) -> list[SessionSummary]:
        """Sessions newest first (by last update), without their messages."""
        if not self.enabled:
            return []
        clause, params = session_where(where)
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions{clause} ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (*params, limit if limit is not None else -1, offset),
        )
        return [summary_from_row(r) for r in rows]

    def session_count(self, where: SessionFilter | None = None) -> int:
        if not self.enabled:
            return 0
        clause, params = session_where(where)
        return self.conn.execute(f"SELECT COUNT(*) FROM sessions{clause}", params).fetchone()[0]

    def session_ids(self, where: SessionFilter | None = None) -> list[str]:
        """The ids of the sessions a filter selects (all of them without one), newest first."""
        clause, params = session_where(where)
        rows = self.conn.execute(f"SELECT id FROM sessions{clause} ORDER BY updated_at DESC, rowid DESC", params)
        return [r["id"] for r in rows]

    def search(self, query: str, *, role: str | None = None, since=None, limit: int = 20):
        """Full-text search over message content (see ``store.search``)."""
        from appam_cli.store.search import search_messages

        if not is_utf8(query):
            raise UserError(f"cannot search for '{printable(query)}': the query is not UTF-8 text")
        return search_messages(self.conn, query, role=role, since=since, limit=limit)

    def resolve_id(self, ref: str) -> str:
        """A full id, a unique prefix (at least 4 characters) or ``last`` -> the full session id.

        Raises ``UnknownSession`` (no match, or a prefix too short to look up) or
        ``UserError`` (an ambiguous prefix, naming the candidates).
        """
        conn = self.conn
        ref = ref.strip()
        if ref == "last":
            row = conn.execute("SELECT id FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1").fetchone()
            if row is None:
                raise UnknownSession("there are no saved sessions yet")
            return row["id"]
        if not ref:
            raise UnknownSession("no session id given")
        if not is_utf8(ref):  # bytes from the command line that SQLite cannot even look up
            raise UnknownSession(f"no session has id '{printable(ref)}': it is not UTF-8 text")
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (ref,)).fetchone():
            return ref
        if len(ref) < MIN_PREFIX:
            raise UnknownSession(
                f"no session has id {ref!r}, and as a prefix it is too short: give at least {MIN_PREFIX} characters"
            )
        found: dict[str, sqlite3.Row] = {}
        for prefix in dict.fromkeys((ref, ref.lower())):  # ids are lower-case UUIDs; accept A1B2…
            lo, hi = prefix_range(prefix)
            for r in conn.execute(
                "SELECT id, title FROM sessions WHERE id >= ? AND id < ? ORDER BY updated_at DESC LIMIT 6", (lo, hi)
            ):
                found.setdefault(r["id"], r)
        rows = list(found.values())
        if not rows:
            raise UnknownSession(f"no session matches id {ref!r}")
        if len(rows) > 1:
            listed = ", ".join(_candidate(r) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
            raise UserError(f"session id prefix {ref!r} is ambiguous: it matches {listed}")
        return rows[0]["id"]

    def resolve_ids(self, refs: list[str]) -> list[str]:
        """Every reference resolved (or the first failure raised), duplicates dropped, order kept."""
        return list(dict.fromkeys(self.resolve_id(ref) for ref in refs))


class UnknownSession(UserError):
    """No session matches the id given."""


def _candidate(row: sqlite3.Row) -> str:
    title = " ".join((row["title"] or "").split())
    if len(title) > 30:
        title = title[:29] + "…"
    return f"{row['id'][:12]} ({title})" if title else row["id"][:12]


def _unchanged_prefix(saved: list, messages: list) -> int:
    """How many leading messages are the very objects already saved (and so need no write).

    Messages taken out of the middle (an answer withdrawn for /retry) shift what follows:
    comparing the objects, not just the count, catches that.
    """
    n = 0
    for old, new in zip(saved, messages, strict=False):  # stops at the shorter list
        if old is not new:
            break
        n += 1
    return n
