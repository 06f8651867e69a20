"""Versioned schema migrations, imported only when ``PRAGMA user_version`` says one is due.

Version 1 creates the tables declared in ``store.tables`` (SQLModel), turning
their SQLAlchemy metadata into SQLite DDL that runs inside the caller's transaction.
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


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _create_v1}


def migrate(conn: sqlite3.Connection, current: int, target: int) -> None:
    for version in range(current + 1, target + 1):
        MIGRATIONS[version](conn)
