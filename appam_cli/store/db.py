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

SCHEMA_VERSION = 6
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


class StoreWriteError(StoreError, sqlite3.OperationalError):
    """The storage itself refused a write: disk full, an I/O error, read-only, not SQLite, damaged.

    Unlike a busy store (another process holds the lock a while: wait, or skip a checkpoint),
    trying again soon does not help. It is an OperationalError too, so code that skips a
    failed checkpoint or rolls back an import handles it as before.
    """

    def __init__(self, path: Path | str, reason: str, sqlite_errorname: str = "") -> None:
        super().__init__(f"cannot write the session store {path}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.sqlite_errorname = sqlite_errorname  # SQLite's own name for it (SQLITE_FULL…), when known


# What a storage failure means for the user, by SQLite's primary result code. Busy and locked
# are not here (they pass), nor constraint failures (a bug or a race, not the storage).
_FAULTS = {
    "SQLITE_FULL": "disk full",
    "SQLITE_IOERR": "disk I/O error",
    "SQLITE_READONLY": "it is read-only",
    "SQLITE_CANTOPEN": "it is read-only (the file or its folder)",
    "SQLITE_PERM": "it is read-only",
    "SQLITE_NOTADB": "it is not a SQLite database",
    "SQLITE_CORRUPT": "it is damaged (the database disk image is malformed)",
}
_READ_ONLY = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")


def _code(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", None) or ""
    return next((code for code in _FAULTS if name == code or name.startswith(code + "_")), "")


def _busy(exc: BaseException) -> bool:
    """Another connection holds the lock (past the busy timeout): waiting longer may do."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def write_fault(exc: BaseException) -> str | None:
    """Why the storage refused a write (``disk full``, ``it is read-only``…), or None when ``exc``
    is no such failure (a busy store, a constraint, anything else)."""
    if isinstance(exc, StoreWriteError):
        return exc.reason
    if isinstance(exc, sqlite3.Error):
        return _FAULTS.get(_code(exc))
    return None


def save_failure(exc: BaseException) -> str | None:
    """Why a save did not happen, when ``exc`` is the store's failure (a busy store included:
    at the end of a turn waiting is over); None for any other exception."""
    if not isinstance(exc, sqlite3.Error):
        return None
    if _busy(exc) or "locked" in str(exc):
        return "the store stayed locked by another appam process"
    return write_fault(exc) or str(exc)


def connect(path: Path, *, create: bool = True, write: bool = False) -> sqlite3.Connection:
    """An autocommit connection in WAL mode; the schema is brought up to date (or refused).

    ``write``: the caller is about to write, so a store that cannot take a write (read-only, not
    SQLite, damaged) raises ``StoreWriteError`` now, before anything is sent or changed. Without
    it a store that can only be read is opened read-only (``mode=ro``, or ``immutable=1`` where not
    even its -wal and -shm files can be made), and is never migrated.
    """
    if create:
        _prepare_file(path)
    elif not path.exists():
        raise StoreError(f"no session store at {path} yet: run `appam run PROMPT` first")
    old_umask = os.umask(0o077)  # the -wal and -shm files SQLite creates are private too
    try:
        try:
            conn, read_only = _open(path), False
        except sqlite3.DatabaseError as exc:
            if write or _code(exc) not in _READ_ONLY:
                raise
            conn, read_only = _open_read_only(path), True
        try:
            _check_schema(conn, path, read_only=read_only)
            if write:
                _try_a_write(conn)
        except BaseException:
            conn.close()
            raise
    except sqlite3.DatabaseError as exc:
        if not write and _code(exc) in _READ_ONLY:  # reading writes only to migrate
            raise _needs_upgrade(path) from None
        raise _refused(path, exc, write) from None
    finally:
        os.umask(old_umask)
    return conn


def _refused(path: Path, exc: sqlite3.DatabaseError, write: bool) -> Exception:
    """The one-line error for a store that could not be opened (or, ``write``, written)."""
    if isinstance(exc, StoreError) or _busy(exc):
        return exc  # a newer schema, a write already said as such, a busy store (said by the caller)
    reason = write_fault(exc)
    if write and reason is not None:
        return StoreWriteError(path, reason, getattr(exc, "sqlite_errorname", None) or "")
    if write:
        return StoreError(f"cannot write the session store {path}: {reason or exc}")
    return StoreError(f"cannot open session store {path}: {reason or exc}")


def _needs_upgrade(path: Path) -> StoreError:
    return StoreError(
        f"the session store {path} is read-only and was made by an older appam: it needs an upgrade "
        f"to schema version {SCHEMA_VERSION}, which writes to it (run appam once where it can be written)"
    )


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A store this process cannot write. ``mode=ro`` reads a WAL store with its -wal file but
    must make (or find) its -shm file; where it cannot, ``immutable=1`` reads the main file as
    it stands, without locks (a copy on read-only media, which nobody writes to)."""
    uri = path.resolve().as_uri()
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        conn = sqlite3.connect(
            f"{uri}{query}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # opens it for real
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _code(exc) not in _READ_ONLY or "immutable" in query:  # READONLY_DIRECTORY, CANTOPEN
                raise
    raise AssertionError("unreachable")


def _try_a_write(conn: sqlite3.Connection) -> None:
    """Take the write lock and change a byte in memory, then roll back: a store that cannot be
    written says so here, and nothing reaches the disk."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    finally:
        conn.execute("ROLLBACK")


def _check_schema(conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the session store {path} has schema version {version}, made by a newer appam; "
            f"this one supports up to version {SCHEMA_VERSION}: upgrade appam"
        )
    if read_only:
        raise _needs_upgrade(path)

    from appam_cli.store.migrations import migrate  # imported only when a migration is due

    with write(conn):
        # Another process may have migrated while we waited for the write lock.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current < SCHEMA_VERSION:
            migrate(conn, current, SCHEMA_VERSION)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A short write transaction that takes the write lock up front (no upgrade deadlocks).

    A write the storage refuses (disk full, read-only…) raises ``StoreWriteError``; the
    transaction is rolled back, a failed COMMIT's too.
    """
    try:
        # Inside the try: a Ctrl-C or SIGTERM landing just after BEGIN (say, after waiting on
        # a busy lock) must not leave the connection stuck in an open transaction.
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolled back already (after a full disk or an I/O error it may)
        reason = None if isinstance(exc, StoreWriteError) else write_fault(exc)
        if reason is not None:
            raise StoreWriteError(_file_of(conn), reason, getattr(exc, "sqlite_errorname", None) or "") from exc
        raise


def _file_of(conn: sqlite3.Connection) -> str:
    try:
        return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")
    except (sqlite3.Error, StopIteration):
        return "(unknown file)"


def what_ended_the_turn(exc: BaseException) -> BaseException | None:
    """The exception the failed save was handling (a provider error, Ctrl-C…), if any: the
    store's own errors (SQLite's, and ours wrapping them) are passed over."""
    seen = exc.__context__
    while seen is not None:
        if not isinstance(seen, sqlite3.Error):
            return seen
        seen = seen.__context__
    return None
