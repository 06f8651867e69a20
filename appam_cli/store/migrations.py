"""Versioned schema migrations, imported only when ``PRAGMA user_version`` says one is due.

Version 1 creates the tables declared in ``store.tables`` (SQLModel), turning
their SQLAlchemy metadata into SQLite DDL that runs inside the caller's transaction.
Version 2 adds the full-text index over message content (``store.search``: FTS5
table, triggers, and indexing of the rows already saved) where SQLite has FTS5.
Version 3 adds the covering indexes over the ledger that usage reports scan in group
order (``store.reports``), so 1M requests aggregate without sorting them.
"""

from __future__ import annotations

import sqlite3
from typing import Callable


def _create_v1(conn: sqlite3.Connection) -> None:
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    from appam_cli.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = sqlite.dialect()
    for table in SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
        for index in table.indexes:
            conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))


def _search_v2(conn: sqlite3.Connection) -> None:
    from appam_cli.store.search import create_index

    create_index(conn)  # without FTS5 this does nothing and search falls back to LIKE


def _usage_indexes_v3(conn: sqlite3.Connection) -> None:
    from appam_cli.store.reports import create_usage_indexes

    create_usage_indexes(conn)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _create_v1, 2: _search_v2, 3: _usage_indexes_v3}


def migrate(conn: sqlite3.Connection, current: int, target: int) -> None:
    for version in range(current + 1, target + 1):
        MIGRATIONS[version](conn)
