"""Schema migrations: each step frozen, a new store built to the declared schema (store.schema),
and stores written by earlier versions of appam upgraded to exactly that schema.

``fixtures/appam-schema-v{1,2,3}.db`` were written by the appam of past commits
(``fixtures/make_schema_fixtures.py``); each ``.json`` beside them holds what that old
code read back from its own store.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appam_cli.datamodel import ChatMessage, Session
from appam_cli.datamodel.usage_report import ReportFilter
from appam_cli.errors import StoreError
from appam_cli.store import SessionHistory, db, schema
from appam_cli.store.migrations import MIGRATIONS
from appam_cli.store.reports import usage_report
from appam_cli.store.search import fts5_available

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
OLD_VERSIONS = (1, 2, 3)
A = "a1b2c3d4-0000-4000-8000-00000000000a"  # the sessions in the fixtures
D = "d1b2c3d4-0000-4000-8000-00000000000d"


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
            keys = re.fullmatch(rf"CREATE INDEX {name} ON {table} \((.*?)\)(?: WHERE (.*))?", " ".join(sql.split()))
            assert keys is not None, sql
            indexes[name] = (table, keys.group(1), keys.group(2))
    assert indexes == {i.name: (i.table, ", ".join(i.keys), i.where) for i in schema.INDEXES}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == (set(schema.FTS_TRIGGERS) if has_fts5() else set())


@pytest.mark.e2e
def test_creating_a_store_loads_no_orm(tmp_path):
    """The steps are plain SQL: a brand-new store costs no sqlmodel/sqlalchemy import."""
    code = (
        "import sys; from pathlib import Path; from appam_cli.store import db; "
        f"db.connect(Path({str(tmp_path / 's.db')!r})).close(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlmodel', 'sqlalchemy')))"
    )
    assert run_python(code) == "[]"


@pytest.mark.e2e
def test_an_up_to_date_store_imports_no_migration_code(tmp_path):
    fresh_store(tmp_path / "s.db").close()
    code = (
        "import sys; from pathlib import Path; from appam_cli.store import db; "
        f"db.connect(Path({str(tmp_path / 's.db')!r})).close(); "
        "print('appam_cli.store.migrations' in sys.modules)"
    )
    assert run_python(code) == "False"


# -- stores written by earlier versions --------------------------------------------------


def old_store(version: int, tmp_path: Path) -> Path:
    """A copy of the store that appam at schema ``version`` wrote (the fixture itself stays untouched)."""
    path = tmp_path / f"v{version}" / "sessions.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / f"appam-schema-v{version}.db", path)
    return path


def load(history: SessionHistory, session_id: str, **options) -> Session:
    session = history.load_session(session_id, **options)
    assert session is not None, session_id
    return session


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def master(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    """``sqlite_master`` as {(type, name): (table, SQL with its whitespace collapsed)}."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    return {(t, name): (table, " ".join(sql.split()) if sql else None) for t, name, table, sql in rows}


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_old_store_upgrades_to_the_schema_of_a_new_one(version, tmp_path):
    path = old_store(version, tmp_path)
    assert user_version(sqlite3.connect(path)) == version
    upgraded = db.connect(path)
    fresh = db.connect(tmp_path / "new.db")
    assert user_version(upgraded) == user_version(fresh) == db.SCHEMA_VERSION
    assert master(upgraded) == master(fresh)


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_old_store_reads_back_as_its_own_code_saved_it(version, tmp_path):
    expected = json.loads((FIXTURES / f"appam-schema-v{version}.json").read_text(encoding="utf-8"))
    assert expected["schema_version"] == version
    history = SessionHistory(db_path=old_store(version, tmp_path))
    for session_id, saved in expected["sessions"].items():
        assert load(history, session_id, with_requests=True).to_dict(include_requests=True) == saved
    assert [s.to_dict() for s in history.list_sessions(limit=None)] == expected["summaries"]
    report = usage_report(history.conn, "session", ReportFilter())
    assert report.total.request_count == expected["ledger_rows"] == 6  # a deleted session's row included
    assert [r.label for r in report.rows].count("(deleted)") == 1
    assert [(h.session_id, h.number) for h in history.search("sunsets").hits] == [(A, 4)]
    assert sorted((h.session_id, h.number) for h in history.search("Rayleigh").hits) == [(A, 3), (D, 3)]


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_upgraded_store_takes_new_messages(version, tmp_path):
    path = old_store(version, tmp_path)
    history = SessionHistory(db_path=path)
    session = load(history, A)
    added = ["and on Mars?", "Butterscotch by day, blue dusk."]
    session.messages += [ChatMessage("user", added[0]), ChatMessage("assistant", added[1])]
    history.save_session(session)
    again = SessionHistory(db_path=path)
    assert [m.content for m in load(again, A).messages][-2:] == added
    assert [(h.session_id, h.number) for h in again.search("butterscotch").hits] == [(A, 7)]


NEXT = db.SCHEMA_VERSION + 1  # a step this appam does not have yet


def add_pinned_column(conn: sqlite3.Connection) -> None:
    """A step as a later version might add one: a column on an existing table."""
    conn.execute("ALTER TABLE sessions ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT 0")


def test_a_step_that_adds_a_column_runs_on_new_and_old_stores(tmp_path, monkeypatch):
    monkeypatch.setitem(MIGRATIONS, NEXT, add_pinned_column)  # registered for this test only
    monkeypatch.setattr(db, "SCHEMA_VERSION", NEXT)
    fresh = db.connect(tmp_path / "new.db")
    columns = [r["name"] for r in fresh.execute("PRAGMA table_info(sessions)")]
    assert columns == [*schema.SESSIONS.names(), "pinned"]
    for version in OLD_VERSIONS:
        path = old_store(version, tmp_path)
        upgraded = db.connect(path)
        assert user_version(upgraded) == NEXT
        assert master(upgraded) == master(fresh)
        assert [tuple(r) for r in upgraded.execute("SELECT DISTINCT pinned FROM sessions")] == [(0,)]
        history = SessionHistory(db_path=path)  # today's reads and writes ignore the column they do not know
        session = load(history, A)
        session.messages.append(ChatMessage("user", "still there?"))
        history.save_session(session)
        assert load(SessionHistory(db_path=path), A).messages[-1].content == "still there?"


def test_a_failing_step_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    def half_done_step(conn: sqlite3.Connection) -> None:
        add_pinned_column(conn)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(MIGRATIONS, NEXT, half_done_step)
    monkeypatch.setattr(db, "SCHEMA_VERSION", NEXT)
    path = old_store(1, tmp_path)
    before = master(sqlite3.connect(path))
    with pytest.raises(StoreError, match="cannot open session store"):
        db.connect(path)
    conn = sqlite3.connect(path)
    assert user_version(conn) == 1
    assert master(conn) == before  # the steps before it rolled back with the failing one


def test_a_store_from_a_newer_appam_is_refused_untouched(tmp_path):
    path = old_store(3, tmp_path)
    newer = db.SCHEMA_VERSION + 1
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()
    with pytest.raises(StoreError) as refused:
        db.connect(path)
    message = str(refused.value)
    assert f"schema version {newer}, made by a newer appam" in message and "upgrade appam" in message
    assert user_version(sqlite3.connect(path)) == newer


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_a_session_an_old_appam_left_running_reads_interrupted_and_is_settled(version, tmp_path):
    """Step 4 adds who writes a ledger row; an old store's rows have no writer, and a session the
    old code left running (killed mid-answer) has no running row: its last update is all there is."""
    path = old_store(version, tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE sessions SET status = 'running', ended_at = NULL WHERE id = ?", (A,))
    conn.close()
    history = SessionHistory(db_path=path)
    owners = history.conn.execute("SELECT DISTINCT owner_pid, owner_host, heartbeat_at FROM requests").fetchall()
    assert [tuple(r) for r in owners] == [(None, None, None)]
    assert history.summary(A).status == "interrupted"  # read as it is, nothing written
    assert sqlite3.connect(path).execute("SELECT status FROM sessions WHERE id = ?", (A,)).fetchone() == ("running",)
    assert history.settle_dead_writers() == 0  # no ledger row was running
    stored = sqlite3.connect(path).execute("SELECT status, ended_at FROM sessions WHERE id = ?", (A,)).fetchone()
    assert stored[0] == "interrupted" and stored[1] is not None


@pytest.mark.parametrize("version", OLD_VERSIONS)
def test_an_upgraded_store_records_where_a_session_is_answered(version, tmp_path):
    path = old_store(version, tmp_path)
    history = SessionHistory(db_path=path)
    session = load(history, A)
    assert (session.api_base, session.imported_api_base) == (None, None)  # not recorded before
    session.api_base = "http://127.0.0.1:11434/v1"
    history.save_session(session)
    assert load(SessionHistory(db_path=path), A).api_base == "http://127.0.0.1:11434/v1"
