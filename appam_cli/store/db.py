"""Opening the SQLite store: location, file modes, pragmas, schema version.

All SQL that only SQLite understands (pragmas, ``BEGIN IMMEDIATE``, upserts with
SQLite's syntax, ``user_version``) lives in this package, so that another back
end later has one place to look. Today any other database URL is refused.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from appam_cli.errors import StoreError

SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 5000


def path_from_url(url: str) -> Path:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or a plain path; other schemes are refused."""
    if "://" not in url:
        return Path(url).expanduser()
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0].lower() != "sqlite":
        raise StoreError(
            f"unsupported database URL scheme {scheme!r}: appam stores sessions in SQLite for now "
            "(use sqlite:///path/to/sessions.db or a file path)"
        )
    path = rest[1:] if rest.startswith("/") else rest
    if not path or path == ":memory:":
        raise StoreError("the database URL names no file (use sqlite:///path/to/sessions.db)")
    return Path(path).expanduser()


def _prepare_file(path: Path) -> None:
    """Create the data dir 0700 and the database 0600 before SQLite touches them."""
    if not path.parent.exists():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create data folder {path.parent}: {exc.strerror}") from None
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create database {path}: {exc.strerror}") from None


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """An autocommit connection in WAL mode; the schema is brought up to date (or refused)."""
    if create:
        _prepare_file(path)
    elif not path.exists():
        raise StoreError(f"no session store at {path} yet: run `appam run PROMPT` first")
    old_umask = os.umask(0o077)  # the -wal and -shm files SQLite creates are private too
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        _check_schema(conn, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open session store {path}: {exc}") from None
    finally:
        os.umask(old_umask)
    return conn


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the session store {path} has schema version {version}, made by a newer appam; "
            f"this one supports up to version {SCHEMA_VERSION}: upgrade appam"
        )
    from appam_cli.store.migrations import migrate  # imported only when a migration is due

    with write(conn):
        # Another process may have migrated while we waited for the write lock.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current < SCHEMA_VERSION:
            migrate(conn, current, SCHEMA_VERSION)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A short write transaction that takes the write lock up front (no upgrade deadlocks)."""
    try:
        # Inside the try: a Ctrl-C or SIGTERM landing just after BEGIN (say, after waiting on
        # a busy lock) must not leave the connection stuck in an open transaction.
        conn.execute("BEGIN IMMEDIATE")
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
