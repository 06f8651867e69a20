"""The SQL behind ``sessions export`` and ``sessions import`` (plain sqlite3, like ``history``).

Export reads inside one read transaction, so a session saved meanwhile cannot tear the
snapshot. Import writes every session in ONE ``BEGIN IMMEDIATE`` transaction: the caller
has validated the whole input first, and any failure still rolls everything back.

The ledger (``requests``) is append-only here too: importing a session never deletes ledger
rows. A request already in the ledger for that session (same model and start time, e.g. a
``--replace`` of the same export, or a session deleted and restored from a backup) is
recognised and not added twice; totals are then recomputed from the ledger, as on save.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from appam_cli.datamodel import Session
from appam_cli.datamodel.times import to_db
from appam_cli.errors import StoreError
from appam_cli.store import db
from appam_cli.store.ledger import INSERT_REQUEST, recompute_totals
from appam_cli.store.rows import INSERT_MESSAGE, INSERT_SESSION, message_params, request_params, session_params

# -- export ---------------------------------------------------------------


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: every read inside sees the same state of the store."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def _since_clause(since: datetime | None) -> tuple[str, tuple]:
    return ("WHERE updated_at >= ?", (to_db(since),)) if since else ("", ())


def count_sessions(conn: sqlite3.Connection, since: datetime | None = None) -> int:
    where, params = _since_clause(since)
    return conn.execute(f"SELECT COUNT(*) FROM sessions {where}", params).fetchone()[0]


def iter_session_ids(conn: sqlite3.Connection, since: datetime | None = None) -> Iterator[str]:
    """Ids oldest first (by start), lazily: ``--all`` never holds the whole store in memory."""
    where, params = _since_clause(since)
    for row in conn.execute(f"SELECT id FROM sessions {where} ORDER BY started_at, rowid", params):
        yield row[0]


# -- import ---------------------------------------------------------------


@dataclass
class ImportCounts:
    imported: int = 0  # new sessions
    replaced: int = 0  # existing sessions overwritten (--replace)
    skipped: int = 0  # existing sessions left alone

    @property
    def written(self) -> int:
        return self.imported + self.replaced


def existing_ids(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    batch: list[str] = []

    def flush() -> None:
        marks = ", ".join("?" * len(batch))
        found.update(r[0] for r in conn.execute(f"SELECT id FROM sessions WHERE id IN ({marks})", batch))
        batch.clear()

    for session_id in ids:
        batch.append(session_id)
        if len(batch) == 500:
            flush()
    if batch:
        flush()
    return found


def _updated_at(session: Session) -> datetime:
    """When the session last changed, as well as the file tells: its last message or its end."""
    moments = [t for t in (session.started_at, session.ended_at) if t is not None]
    moments.extend(m.timestamp for m in session.messages[-1:])
    return max(moments)


def _insert(conn: sqlite3.Connection, session: Session) -> None:
    sid = session.session_id
    conn.execute(
        INSERT_SESSION, session_params(session, started_at=session.started_at, updated_at=_updated_at(session))
    )
    conn.executemany(INSERT_MESSAGE, [message_params(sid, i, m) for i, m in enumerate(session.messages)])
    known = Counter(
        (r[0], r[1]) for r in conn.execute("SELECT model, started_at FROM requests WHERE session_id = ?", (sid,))
    )
    new_rows = []
    for record in session.requests:
        key = (record.model, to_db(record.started_at))
        if known[key]:
            known[key] -= 1
            continue
        new_rows.append(request_params(sid, record))
    conn.executemany(INSERT_REQUEST, new_rows)
    recompute_totals(conn, sid)


def import_sessions(conn: sqlite3.Connection, sessions: Iterable[Session], *, replace: bool) -> ImportCounts:
    """Write ``sessions`` in one transaction; an existing id is skipped, or replaced with ``replace``."""
    counts = ImportCounts()
    try:
        with db.write(conn):
            for session in sessions:
                exists = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session.session_id,)).fetchone()
                if exists and not replace:
                    counts.skipped += 1
                    continue
                if exists:
                    conn.execute("DELETE FROM sessions WHERE id = ?", (session.session_id,))  # messages cascade
                    counts.replaced += 1
                else:
                    counts.imported += 1
                _insert(conn, session)
    except sqlite3.Error as exc:
        raise StoreError(f"import failed, nothing was imported: {exc}") from None
    return counts
