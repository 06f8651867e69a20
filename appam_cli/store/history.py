"""SessionHistory: save, load, list, search, fork, rename and delete sessions in the SQLite store.

Writes are short ``BEGIN IMMEDIATE`` transactions. Messages are stored one row each, ordered
by position, and each message object remembers its row (``ChatMessage.row``) once committed.
Several processes may write one session: a message not stored yet is appended after the last
row as the database has it at commit time, a stored one is rewritten by its row id, and a
history deletes only rows it stored or loaded (see ``save_session``). The answer still
streaming is checkpointed into the row its turn reserved. Session totals are recomputed from
the ledger (``requests``) in the same transaction that adds a request row, so the two always
agree. A session being answered now (``running.busy_sessions``) is not deleted or pruned
unless forced, and a deleted session is never recreated by a writer (SessionDeleted).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from appam_cli.datamodel import ChatMessage, MessageStatus, RequestRecord, RequestStatus, Session
from appam_cli.datamodel.session_summary import SessionSummary
from appam_cli.datamodel.status import SessionStatus
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.errors import SessionBusy, SessionDeleted, UserError
from appam_cli.store import db, running
from appam_cli.store.ledger import INSERT_REQUEST, SETTLE_REQUEST, recompute_totals
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
_LIVE_STATUSES = (SessionStatus.RUNNING.value, SessionStatus.INTERRUPTED.value)

# Saving a session again changes what it says of itself (its title only when it has one),
# never its id or start, and never its totals (``recompute_totals`` sets those from the ledger)
# nor its message count (counted from the rows, which other processes may add to).
_RESAVED = SESSIONS.names(without=("id", "started_at", "message_count", *SESSION_TOTALS))
_RESAVE_SESSION = (
    "UPDATE sessions SET "
    + ", ".join(f"{c} = COALESCE(:{c}, {c})" if c == "title" else f"{c} = :{c}" for c in _RESAVED)
    + " WHERE id = :id"
)
_COUNT_MESSAGES = (
    "UPDATE sessions SET message_count = (SELECT COUNT(*) FROM messages WHERE session_id = ?) WHERE id = ?"
)
_NEXT_POSITION = "SELECT COALESCE(MAX(position), -1) + 1 FROM messages WHERE session_id = ?"
# A message this process stored is rewritten by its row id (its position never changes), and
# nothing is written when nothing changed, which leaves the search index alone too.
_REWRITTEN = MESSAGES.names(without=("id", "session_id", "position", "created_at"))
_UPDATE_MESSAGE = (
    "UPDATE messages SET "
    + ", ".join(f"{c} = :{c}" for c in _REWRITTEN)
    + " WHERE id = :row_id AND session_id = :session_id AND ("
    + " OR ".join(f"{c} IS NOT :{c}" for c in _REWRITTEN)
    + ")"
)
# The answer of a turn takes the row reserved for it when the turn began (store its start too).
_CLAIM_RESERVED = (
    "UPDATE messages SET "
    + ", ".join(f"{c} = :{c}" for c in (*_REWRITTEN, "created_at"))
    + " WHERE id = :row_id AND session_id = :session_id"
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
        self._writable = False  # the connection was opened for writing (``ensure_writable``)
        # Why the last checkpoint could not be written (``disk full``…), None once one is. The
        # final save decides what is saved: if it fails too it raises StoreWriteError.
        self.write_failure: str | None = None
        # session id -> the message objects saved in their final form, in order. Saving
        # rewrites from the first position where the session's list differs from this one.
        self._saved: dict[str, list] = {}
        # session id -> the message rows this history wrote or loaded: the only ones it ever deletes.
        self._known: dict[str, set[int]] = {}
        # session id -> the row reserved for the answer of the turn under way (see save_session).
        self._reserved: dict[str, int] = {}
        # ledger row id -> the request this process opened as running and has not settled yet
        self._open: dict[int, RequestRecord] = {}

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
        """The open store; one that can only be read is opened read-only (and is never migrated)."""
        if self._conn is None:
            self._conn = db.connect(self.path)
        return self._conn

    def ensure_writable(self) -> None:
        """Open the store for writing now. A store that cannot be written (read-only, not SQLite,
        damaged, from a newer appam) raises StoreError naming why: before anything is sent or changed.
        A store not made yet is made by the first save (a chat that says nothing leaves none)."""
        if not self.enabled or self._writable or not self.path.exists():
            return
        self.close()
        self._conn = db.connect(self.path, write=True)
        self._writable = True

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._writable = False

    # -- writing ----------------------------------------------------------
    def save_session(self, session: Session, *, reserve_answer: bool = False) -> None:
        """Save what is new in ``session``: its row, new messages, new ledger rows, totals.

        Two processes may write one session. Messages this history has not stored yet are
        appended after the last row as the database has it at commit time, never over a row
        another process wrote; messages it stored are rewritten by row id; rows it stored (or
        loaded) that the session no longer holds (an exchange undone, an answer withdrawn) are
        deleted, and no others. ``reserve_answer`` also takes the next position for the answer
        of the turn that starts, so another writer appends after it and the exchange stays
        together; the answer fills that row (``checkpoint_message`` or the next save), and a
        turn that ends without one gives the row back.

        A session this history stored or loaded that has since been deleted raises
        SessionDeleted: it is never recreated.
        """
        if not self.enabled:
            return
        conn = self.conn
        sid = session.session_id
        start = _unchanged_prefix(self._saved.get(sid, []), session.messages)
        known = self._known.get(sid, set())
        reserved = self._reserved.get(sid)
        present = {m.row[1] for m in session.messages if m.row is not None and m.row[0] == sid}
        written: list[tuple[ChatMessage, int]] = []
        claimed = False
        with db.write(conn):
            params = session_params(session, started_at=session.started_at or utcnow(), updated_at=utcnow())
            if not conn.execute(_RESAVE_SESSION, params).rowcount:
                if present or known or reserved is not None:
                    raise _deleted(sid)
                conn.execute(INSERT_SESSION, params)
            position = conn.execute(_NEXT_POSITION, (sid,)).fetchone()[0]
            for message in session.messages[start:]:
                values = message_params(sid, position, message)
                if _stored_in(message, sid):
                    assert message.row is not None
                    conn.execute(_UPDATE_MESSAGE, {**values, "row_id": message.row[1]})
                elif reserved is not None and not claimed:
                    conn.execute(_CLAIM_RESERVED, {**values, "row_id": reserved})
                    written.append((message, reserved))
                    claimed = True
                else:
                    written.append((message, _row_id(conn.execute(INSERT_MESSAGE, values))))
                    position += 1
            gone = sorted(known - present - {reserved})
            conn.executemany("DELETE FROM messages WHERE id = ? AND session_id = ?", [(r, sid) for r in gone])
            release = reserved is not None and not claimed and session.status != SessionStatus.RUNNING
            if release:  # the turn ended without an answer: its reserved row goes
                conn.execute("DELETE FROM messages WHERE id = ?", (reserved,))
            placeholder = None
            if reserve_answer and reserved is not None and not claimed and not release:
                placeholder = reserved  # a turn asked again (/retry after a failed save): its row is still there
            elif reserve_answer:
                placeholder = _row_id(
                    conn.execute(INSERT_MESSAGE, message_params(sid, position, _reserved_answer(session)))
                )
            conn.execute(_COUNT_MESSAGES, (sid, sid))
            new_requests, new_ids, settled = self._write_requests(conn, session)
            if new_requests or settled or start == 0:
                recompute_totals(conn, sid)
        # Only once committed: a rolled-back save must write all of it again next time.
        self._requests_written(new_requests, new_ids, settled)
        for message, row_id in written:
            message.row = (sid, row_id)
        rows = self._known.setdefault(sid, set())
        rows.difference_update(gone)
        rows.update(row_id for _, row_id in written)
        if release:  # deleted: its id may be given to another writer's next row
            rows.discard(reserved)
        if claimed or release:
            self._reserved.pop(sid, None)
        if placeholder is not None:
            self._reserved[sid] = placeholder
            rows.add(placeholder)
        self._saved[sid] = list(session.messages)
        if self.max_sessions:
            try:
                self.enforce_max_sessions(keep=sid)
            except sqlite3.OperationalError:
                pass  # the session is saved; pruning is tried again after the next save

    def checkpoint_message(self, session: Session, position: int) -> None:
        """Write the message at ``position`` as it is now (an answer still streaming).

        It goes into the row it already has, else the row reserved for the turn's answer, else
        a new row at the end. The session row says it is running and when it was last written:
        that is what tells other commands it is being answered (store.running.busy_sessions).
        """
        if not self.enabled:
            return
        sid = session.session_id
        message = session.messages[position]
        reserved = self._reserved.get(sid)
        row_id = message.row[1] if message.row is not None and _stored_in(message, sid) else reserved
        try:
            with db.write(self.conn) as conn:
                if not conn.execute(
                    "UPDATE sessions SET updated_at = ?, status = ? WHERE id = ?",
                    (to_db(utcnow()), str(SessionStatus.RUNNING), sid),
                ).rowcount:
                    raise _deleted(sid)
                values = message_params(sid, conn.execute(_NEXT_POSITION, (sid,)).fetchone()[0], message)
                if row_id is None:
                    row_id = _row_id(conn.execute(INSERT_MESSAGE, values))
                else:
                    statement = _CLAIM_RESERVED if row_id == reserved else _UPDATE_MESSAGE
                    conn.execute(statement, {**values, "row_id": row_id})
                conn.execute(_COUNT_MESSAGES, (sid, sid))
        except sqlite3.OperationalError as exc:
            # Best effort, and the answer keeps streaming either way. Busy (another process holds
            # the store: a big import, say): the next checkpoint, or the final save, writes it. A
            # store that refused the write (disk full, read-only…) is noted in write_failure; the
            # final save tries again, and says so (StoreWriteError) if it fails too.
            self.write_failure = db.write_fault(exc) or self.write_failure
            return
        self.write_failure = None
        assert row_id is not None
        message.row = (sid, row_id)
        self._known.setdefault(sid, set()).add(row_id)
        if row_id == reserved:
            self._reserved.pop(sid, None)
        self._saved[sid] = self._saved.get(sid, [])[:position]

    def refresh(self, session: Session) -> int:
        """Bring ``session.messages`` in line with the store, between turns: every stored message
        as the store has it now, in store order (messages another process added put in their
        places, ones removed there gone), then those not stored yet. Returns how many stored
        messages were not in the list before.

        Raises SessionDeleted when the session this history stored or loaded is gone.
        """
        if not self.enabled:
            return 0
        sid = session.session_id
        conn = self.conn
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone() is None:
            if self._known.get(sid) or any(_stored_in(m, sid) for m in session.messages):
                raise _deleted(sid)
            return 0
        had = {m.row[1] for m in session.messages if m.row is not None and m.row[0] == sid}
        unsaved = [m for m in session.messages if not _stored_in(m, sid)]
        reserved = self._reserved.get(sid)  # the empty row this history holds for an answer: not a message
        # Messages with a row whose last form is not saved yet (a final save failed after a
        # checkpoint): the store has an older form of them, this list the one still to save.
        saved = {id(m) for m in self._saved.get(sid, [])}
        pending = {
            m.row[1]: m for m in session.messages if m.row is not None and _stored_in(m, sid) and id(m) not in saved
        }
        messages: list[ChatMessage] = []
        for r in conn.execute(
            f"SELECT id AS row_id, {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY position", (sid,)
        ):
            if r["row_id"] == reserved:
                continue
            if r["row_id"] in pending:
                messages.append(pending[r["row_id"]])
                continue
            message = message_from_row(r)
            message.row = (sid, r["row_id"])
            messages.append(message)
        session.messages[:] = messages + unsaved
        rows = {m.row[1] for m in messages if m.row is not None}
        self._known[sid] = rows | ({reserved} if reserved is not None else set())
        first_pending = next((i for i, m in enumerate(messages) if m.row is not None and m.row[1] in pending), None)
        self._saved[sid] = messages[:first_pending]
        return len(rows - had)

    # -- the ledger rows of requests this process sends (store.running) ----------------
    def open_request(self, session: Session, record: RequestRecord) -> None:
        """Write ``record`` as running the moment its request is sent (the row id goes on it)."""
        if not self.enabled:
            return
        try:
            record.id = running.open_request(self.conn, session.session_id, record)
        except sqlite3.OperationalError:
            return  # best effort, as a checkpoint: the final save inserts it
        self._open[record.id] = record

    def checkpoint_request(self, session: Session, record: RequestRecord) -> None:
        """The running request's estimate so far (``record.usage``, ``cost_usd``) and a heartbeat."""
        if not self.enabled or record.id not in self._open:
            return
        try:
            running.checkpoint_request(self.conn, session.session_id, record)
        except sqlite3.OperationalError:
            return  # best effort: the next checkpoint or the final save writes it

    def withdraw_request(self, session: Session, record: RequestRecord) -> None:
        """The request ``record`` was opened for was never sent: its running row goes."""
        if not self.enabled or record.id is None or self._open.pop(record.id, None) is None:
            return
        try:
            running.withdraw_request(self.conn, session.session_id, record.id)
        except sqlite3.OperationalError:
            return  # a busy store: the row is settled as interrupted once this process is gone
        record.id = None

    def settle_requests(self, session: Session) -> None:
        """Write how the session's requests ended (a failed attempt before a retry, say), nothing else."""
        if not self.enabled:
            return
        try:
            with db.write(self.conn) as conn:
                new_requests, new_ids, settled = self._write_requests(conn, session)
                if new_requests or settled:
                    recompute_totals(conn, session.session_id)
        except sqlite3.OperationalError:
            return  # best effort: the final save writes them
        self._requests_written(new_requests, new_ids, settled)

    def settle_dead_writers(self) -> int:
        """Settle the requests and sessions that dead writers left running (see store.running);
        how many ledger rows were settled. For writing commands only: it writes."""
        if not self.enabled or (self._conn is None and not self.path.exists()):
            return 0  # no store yet: nothing to settle, and nothing created
        try:
            return running.settle_dead(self.conn)
        except sqlite3.OperationalError:
            return 0  # a busy or read-only store: the next writer settles them

    def _write_requests(self, conn: sqlite3.Connection, session: Session):
        """Insert the session's new ledger rows and settle the running ones that ended."""
        new_requests = [r for r in session.requests if r.id is None]
        new_ids = [
            conn.execute(INSERT_REQUEST, request_params(session.session_id, record)).lastrowid
            for record in new_requests
        ]
        settled = [
            r.id for r in session.requests
            if r.id is not None and r.id in self._open and r.status != RequestStatus.RUNNING
        ]
        for row_id in settled:
            conn.execute(SETTLE_REQUEST, request_params(session.session_id, self._open[row_id]) | {"id": row_id})
        return new_requests, new_ids, settled

    def _requests_written(self, new_requests: list, new_ids: list, settled: list) -> None:
        for record, row_id in zip(new_requests, new_ids, strict=True):  # only once committed: a rolled-back
            record.id = row_id  # save must insert them again next time
        for row_id in settled:
            self._open.pop(row_id, None)

    def enforce_max_sessions(self, keep: str | None = None) -> int:
        """Delete the oldest sessions (by last update) beyond ``max_sessions``; return how many.

        A session being answered now (``running.busy_sessions``) is never pruned.
        """
        if not self.enabled or not self.max_sessions:
            return 0
        with db.write(self.conn) as conn:
            rows = conn.execute(
                "SELECT id FROM sessions WHERE id IS NOT ? ORDER BY updated_at DESC LIMIT -1 OFFSET ?",
                (keep, self.max_sessions - (1 if keep else 0)),
            ).fetchall()
            busy = running.busy_sessions(conn)
            doomed = [r["id"] for r in rows if r["id"] not in busy]
            conn.executemany("DELETE FROM sessions WHERE id = ?", [(sid,) for sid in doomed])
        self._forget(doomed)
        return len(doomed)

    def delete_session(self, session_id: str, *, force: bool = False) -> bool:
        """Remove a session and its messages; its ledger rows stay (they hold no text)."""
        return self.delete_sessions([session_id], force=force).deleted == 1

    def delete_sessions(self, session_ids: list[str], *, force: bool = False, skip_busy: bool = False) -> Deletion:
        """Remove sessions, their messages and search-index entries in one transaction.

        Their ledger rows in ``requests`` stay, so spending reports remain true. A session
        being answered now (``running.busy_sessions``) is kept unless ``force``: with
        ``skip_busy`` the others go and it is counted in ``kept``; without, SessionBusy is
        raised and nothing is deleted.
        """
        if not self.enabled or not session_ids:
            return Deletion(0, [])
        with db.write(self.conn) as conn:
            busy = [] if force else self._busy(conn, session_ids)
            if busy and not skip_busy:
                raise _busy_error(busy)
            targets = [sid for sid in session_ids if sid not in set(busy)]
            bulk = self._bulk_delete(conn, targets)
            if bulk is None:
                deleted = self._delete_rows(conn, targets)
            else:
                with bulk:
                    deleted = self._delete_rows(conn, targets)
        self._forget(targets)
        return Deletion(deleted, busy)

    def busy_sessions(self, session_ids: list[str]) -> list[str]:
        """Those of ``session_ids`` that another process is answering now."""
        return self._busy(self.conn, session_ids) if self.enabled else []

    @staticmethod
    def _busy(conn: sqlite3.Connection, session_ids: list[str]) -> list[str]:
        busy = running.busy_sessions(conn)
        return [sid for sid in session_ids if sid in busy]

    def _forget(self, session_ids: list[str]) -> None:
        for session_id in session_ids:
            self._saved.pop(session_id, None)
            self._known.pop(session_id, None)
            self._reserved.pop(session_id, None)

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
            profile=parent.profile,
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
                f"SELECT id AS row_id, {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY position",
                (session_id,),
            )
        else:
            cursor = conn.execute(
                f"SELECT * FROM (SELECT id AS row_id, {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? "
                "ORDER BY position DESC LIMIT ?) ORDER BY position",
                (session_id, max(last, 0)),
            )
        messages = []
        for r in cursor:
            message = message_from_row(r)
            message.row = (session_id, r["row_id"])
            messages.append(message)
        session = session_from_row(row, messages)
        if session.status == SessionStatus.RUNNING and not running.session_alive(conn, session_id, row["updated_at"]):
            session.status = SessionStatus.INTERRUPTED  # its writer is gone (store.liveness)
        if with_requests:
            session.requests = [
                request_from_row(r)
                for r in conn.execute("SELECT * FROM requests WHERE session_id = ? ORDER BY id", (session_id,))
            ]
        if last is None:
            self._saved[session_id] = list(messages)
            self._known[session_id] = {m.row[1] for m in messages if m.row is not None}
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
        return None if row is None else self._summary(row)

    def _summary(self, row: sqlite3.Row) -> SessionSummary:
        """The summary with its status as it is now (a dead writer's running session is interrupted)."""
        summary = summary_from_row(row)
        summary.status = running.effective_status(self.conn, summary.session_id, summary.status, summary.updated_at)
        return summary

    def title_of(self, session_id: str) -> str | None:
        row = self.conn.execute("SELECT title FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else (row["title"] or "")

    def list_sessions(
        self, limit: int | None = 20, offset: int = 0, where: SessionFilter | None = None
    ) -> list[SessionSummary]:
        """Sessions newest first (by last update), without their messages."""
        if not self.enabled:
            return []
        if where is not None and where.status in _LIVE_STATUSES:
            # running or interrupted depends on the writer being alive: filtered here, not in SQL
            found = self._live_status_matches(where)
            return found[offset:] if limit is None else found[offset : offset + limit]
        clause, params = session_where(where)
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions{clause} ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (*params, limit if limit is not None else -1, offset),
        )
        return [self._summary(r) for r in rows]

    def _live_status_matches(self, where: SessionFilter) -> list[SessionSummary]:
        wanted = where.status
        clause, params = session_where(replace(where, status=None))
        clause += (" AND " if clause else " WHERE ") + "status IN (?, ?)"
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} FROM sessions{clause} ORDER BY updated_at DESC, rowid DESC",
            (*params, *_LIVE_STATUSES),
        )
        return [s for s in map(self._summary, rows) if s.status == wanted]

    def session_count(self, where: SessionFilter | None = None) -> int:
        if not self.enabled:
            return 0
        if where is not None and where.status in _LIVE_STATUSES:
            return len(self._live_status_matches(where))
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


@dataclass(frozen=True)
class Deletion:
    deleted: int  # sessions removed
    kept: list[str]  # ids left alone because another process is answering them now


def _busy_error(session_ids: list[str]) -> SessionBusy:
    named = ", ".join(sid[:8] for sid in session_ids[:5]) + (", …" if len(session_ids) > 5 else "")
    which = f"session {named} is" if len(session_ids) == 1 else f"sessions {named} are"
    return SessionBusy(
        f"{which} being answered by another appam now: nothing deleted (add --force to delete anyway)"
    )


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


def _stored_in(message: ChatMessage, session_id: str) -> bool:
    """The message has a row in this session (a copy from another session, a fork's, has not)."""
    return message.row is not None and message.row[0] == session_id


def _row_id(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # an INSERT into a rowid table
    return cursor.lastrowid


def _reserved_answer(session: Session) -> ChatMessage:
    """What the row reserved for a turn's answer holds until the answer arrives: an empty,
    incomplete answer (which is what a reader should see if the writer dies now)."""
    return ChatMessage(role="assistant", content=None, model=session.model or None, status=MessageStatus.INCOMPLETE)


def _deleted(session_id: str) -> SessionDeleted:
    return SessionDeleted(
        f"session {session_id[:8]} was deleted by another appam command while this one was writing it"
    )
