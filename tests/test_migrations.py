"""Schema migrations: each step frozen, a new store built to the declared schema (store.schema)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appam_cli.store import db, schema
from appam_cli.store.migrations import MIGRATIONS
from appam_cli.store.search import fts5_available

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str) -> str:
    """``code`` in a fresh interpreter that imports appam_cli from this checkout; its stdout."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def fresh_store(path: Path) -> sqlite3.Connection:
    """A store made from scratch by the migrations, opened as appam opens it."""
    return db.connect(path)


def has_fts5() -> bool:
    return fts5_available(sqlite3.connect(":memory:"))


def test_the_steps_are_numbered_up_to_the_schema_version():
    assert sorted(MIGRATIONS) == list(range(1, db.SCHEMA_VERSION + 1))


def test_a_new_store_has_the_declared_tables(tmp_path):
    conn = fresh_store(tmp_path / "s.db")
    for table in schema.TABLES:
        columns = [
            (r["name"], r["type"], bool(r["notnull"]), bool(r["pk"]))
            for r in conn.execute(f"PRAGMA table_info({table.name})")
        ]
        assert columns == [(c.name, c.type, c.not_null, c.name == table.primary_key) for c in table.columns]
        foreign = [
            (r["from"], f"{r['table']}({r['to']})", r["on_delete"])
            for r in conn.execute(f"PRAGMA foreign_key_list({table.name})")
        ]
        assert foreign == [(c.name, c.references, "CASCADE") for c in table.columns if c.references]
        unique = [
            tuple(i["name"] for i in conn.execute(f"PRAGMA index_info({r['name']})"))
            for r in conn.execute(f"PRAGMA index_list({table.name})")
            if r["origin"] == "u"
        ]
        assert unique == ([table.unique] if table.unique else [])
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    search = {schema.FTS_TABLE} if has_fts5() else set()
    assert {n for n in names if not n.startswith(schema.FTS_TABLE + "_")} == {t.name for t in schema.TABLES} | search


def test_a_new_store_has_the_declared_indexes_and_triggers(tmp_path):
    conn = fresh_store(tmp_path / "s.db")
    indexes = {}
    for name, table, sql in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"):
        if sql is not None:  # SQLite's own indexes (primary key, unique) have none
            keys = re.fullmatch(rf"CREATE INDEX {name} ON {table} \((.*)\)", " ".join(sql.split()))
            indexes[name] = (table, keys.group(1))
    assert indexes == {i.name: (i.table, ", ".join(i.keys)) for i in schema.INDEXES}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == (set(schema.FTS_TRIGGERS) if has_fts5() else set())


def test_creating_a_store_loads_no_orm(tmp_path):
    """The steps are plain SQL: a brand-new store costs no sqlmodel/sqlalchemy import."""
    code = (
        "import sys; from pathlib import Path; from appam_cli.store import db; "
        f"db.connect(Path({str(tmp_path / 's.db')!r})).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlmodel', 'sqlalchemy')))"
    )
    assert run_python(code) == "[]"


def test_an_up_to_date_store_imports_no_migration_code(tmp_path):
    fresh_store(tmp_path / "s.db").close()
    code = (
        "import sys; from pathlib import Path; from appam_cli.store import db; "
        f"db.connect(Path({str(tmp_path / 's.db')!r})).close(); "
        "print('appam_cli.store.migrations' in sys.modules)"
    )
    assert run_python(code) == "False"
