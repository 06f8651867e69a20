"""Ledger rows of requests still running: opened when the request is sent, kept fresh at each
checkpoint, settled when it ends, or settled by a later writer when their writer died.

A running row holds the writer (``owner_pid``, ``owner_host``), a heartbeat and an estimate of
what the request has cost so far (the prompt, and the answer text saved with the checkpoint,
priced from the price map): a killed process's row already says what it spent, usage reports
and budgets count it while it runs, and the session's totals (``ledger.recompute_totals``)
include it. Whether a writer is alive is ``store.liveness``'s rule; reading never writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from appam_cli.datamodel import RequestRecord, RequestStatus, SessionStatus
from appam_cli.datamodel.times import from_db, to_db, utcnow
from appam_cli.store import db, liveness
from appam_cli.store.ledger import INSERT_REQUEST, recompute_totals
from appam_cli.store.liveness import Owner, this_process, writer_alive
from appam_cli.store.rows import request_params

RUNNING = RequestStatus.RUNNING.value

_CHECKPOINT = (
    "UPDATE requests SET input_tokens = ?, output_tokens = ?, reasoning_tokens = ?, cost_usd = ?, heartbeat_at = ? "
    "WHERE id = ? AND status = 'running'"
)
_SETTLE_DEAD = (
    "UPDATE requests SET status = ?, usage_estimated = 1, duration_ms = ?, heartbeat_at = NULL "
    "WHERE id = ? AND status = 'running'"
)


# (database file, row id) of the ledger rows this process opened: its own to settle, never "dead".
_opened_here: set[tuple[str, int]] = set()


def _database(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


def open_request(conn: sqlite3.Connection, session_id: str, record: RequestRecord) -> int:
    """Insert ``record`` as running, owned by this process; its row id."""
    pid, host = this_process()
    params = request_params(session_id, record) | {
        "status": RUNNING,
        "owner_pid": pid,
        "owner_host": host,
        "heartbeat_at": to_db(utcnow()),
    }
    with db.write(conn):
        row_id = conn.execute(INSERT_REQUEST, params).lastrowid
        recompute_totals(conn, session_id)
    assert row_id is not None
    _opened_here.add((_database(conn), row_id))
    return row_id


def checkpoint_request(conn: sqlite3.Connection, session_id: str, record: RequestRecord) -> None:
    """The estimate so far and a heartbeat (a row settled meanwhile is left as it is)."""
    u = record.usage
    with db.write(conn):
        changed = conn.execute(
            _CHECKPOINT,
            (u.input_tokens, u.output_tokens, u.reasoning_tokens, record.cost_usd, to_db(utcnow()), record.id),
        ).rowcount
        if changed:
            recompute_totals(conn, session_id)


def withdraw_request(conn: sqlite3.Connection, session_id: str, row_id: int) -> None:
    """Delete the running row of a request that was never sent after all (no key, no route to
    the server): nothing was spent, nothing stays in the ledger."""
    with db.write(conn):
        if conn.execute("DELETE FROM requests WHERE id = ? AND status = ?", (row_id, RUNNING)).rowcount:
            recompute_totals(conn, session_id)
    _opened_here.discard((_database(conn), row_id))


@dataclass
class _Running:
    id: int
    session_id: str | None
    started_at: datetime | None
    owner: Owner


def _running_rows(conn: sqlite3.Connection, session_id: str | None = None) -> list[_Running]:
    sql = "SELECT id, session_id, started_at, owner_pid, owner_host, heartbeat_at FROM requests WHERE status = ?"
    params: tuple = (RUNNING,)
    if session_id is not None:
        sql += " AND session_id = ?"
        params += (session_id,)
    return [
        _Running(
            r["id"], r["session_id"], from_db(r["started_at"]),
            Owner(r["owner_pid"], r["owner_host"], from_db(r["heartbeat_at"])),
        )
        for r in conn.execute(sql, params)
    ]


def effective_status(conn: sqlite3.Connection, session_id: str, status: str, updated_at: datetime | None) -> str:
    """A session's status as it is now: one marked running whose writer died is interrupted."""
    if status != SessionStatus.RUNNING:
        return status
    return SessionStatus.RUNNING if session_alive(conn, session_id, updated_at) else SessionStatus.INTERRUPTED


def session_alive(conn: sqlite3.Connection, session_id: str, updated_at: datetime | str | None) -> bool:
    """Whether a session marked running has a live writer (store.liveness)."""
    if isinstance(updated_at, str):
        updated_at = from_db(updated_at)
    owners = [r.owner for r in _running_rows(conn, session_id)] + _session_writer(conn, session_id, updated_at)
    return liveness.session_alive(owners, updated_at, now=utcnow())


def _session_writer(conn: sqlite3.Connection, session_id: str, updated_at: datetime | None) -> list[Owner]:
    """The process that marked the session running (its last save is its heartbeat), if it said. This
    process's own mark says nothing (it is alive, yet never counts as another writer): the last update
    then stands for a heartbeat, as for a store that keeps no writer."""
    row = conn.execute("SELECT writer_pid, writer_host FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None or row[0] is None or (row[0], row[1]) == this_process():
        return []
    return [Owner(row[0], row[1], updated_at)]


def busy_sessions(conn: sqlite3.Connection) -> set[str]:
    """The sessions being answered now: marked running, with a live writer. Deleting and
    pruning leave them alone; a second turn on one is refused (agent.busy)."""
    rows = conn.execute("SELECT id, updated_at FROM sessions WHERE status = ?", (SessionStatus.RUNNING.value,))
    return {r["id"] for r in rows.fetchall() if session_alive(conn, r["id"], r["updated_at"])}


def settle_dead(conn: sqlite3.Connection) -> int:
    """Settle what dead writers left running, once; how many ledger rows were settled.

    Each row becomes ``interrupted`` with the estimate its writer saved last (marked
    estimated), its session ``interrupted`` (when no live writer remains in it), and the
    session's totals are recomputed. Done in one write transaction whose updates only touch
    rows still running, so two processes settling at once settle each row once.
    """
    if not _dead_rows(conn) and not _dead_sessions(conn):  # the usual case: no write at all
        return 0
    settled = 0
    with db.write(conn):
        now = utcnow()
        touched: dict[str, datetime] = {}
        for row in _dead_rows(conn):
            ended = row.owner.heartbeat_at or now
            # (a request killed while it waited to be retried started "later" than its heartbeat)
            duration = max(0, int((ended - row.started_at).total_seconds() * 1000)) if row.started_at else None
            settled += conn.execute(
                _SETTLE_DEAD, (RequestStatus.INTERRUPTED.value, duration, row.id)
            ).rowcount
            if row.session_id is not None:
                touched[row.session_id] = max(ended, touched.get(row.session_id, ended))
        for session_id, updated_at in _dead_sessions(conn):
            touched.setdefault(session_id, updated_at or now)
        for session_id, ended in touched.items():
            if not any(writer_alive(r.owner, now=now) for r in _running_rows(conn, session_id)):
                conn.execute(
                    "UPDATE sessions SET status = ?, ended_at = COALESCE(ended_at, ?), writer_pid = NULL, "
                    "writer_host = NULL WHERE id = ? AND status = ?",
                    (SessionStatus.INTERRUPTED.value, to_db(ended), session_id, SessionStatus.RUNNING.value),
                )
            recompute_totals(conn, session_id)
    return settled


def _dead_rows(conn: sqlite3.Connection) -> list[_Running]:
    now = utcnow()
    rows = [r for r in _running_rows(conn) if not writer_alive(r.owner, now=now)]
    if not rows or not _opened_here:
        return rows
    here = _database(conn)
    return [r for r in rows if (here, r.id) not in _opened_here]


def _dead_sessions(conn: sqlite3.Connection) -> list[tuple[str, datetime | None]]:
    """Sessions marked running with no running ledger row and no recent update (a writer that
    died before sending, or one from before the ledger knew its writers)."""
    now = utcnow()
    rows = conn.execute(
        "SELECT id, updated_at FROM sessions WHERE status = ? AND NOT EXISTS "
        "(SELECT 1 FROM requests WHERE requests.session_id = sessions.id AND requests.status = ?)",
        (SessionStatus.RUNNING.value, RUNNING),
    )
    found = [(r["id"], from_db(r["updated_at"])) for r in rows]
    return [
        (sid, updated)
        for sid, updated in found
        if not liveness.session_alive(_session_writer(conn, sid, updated), updated, now=now)
    ]
