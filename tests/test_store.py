"""SessionHistory and the SQLite store, through the Python API and on the file itself."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from appam_cli import AggregatedUsage, ChatMessage, Session, SessionHistory
from appam_cli.datamodel import RequestRecord, RequestUsage
from appam_cli.errors import StoreError
from appam_cli.store.db import SCHEMA_VERSION


def make_session(prompt: str = "hello", answer: str = "hi", tokens: tuple[int, int] = (10, 5)) -> Session:
    session = Session(model="openai/test-model", title=prompt)
    session.messages = [ChatMessage(role="user", content=prompt), ChatMessage(role="assistant", content=answer, model="openai/test-model")]
    usage = RequestUsage(input_tokens=tokens[0], output_tokens=tokens[1])
    session.requests.append(RequestRecord(model="openai/test-model", usage=usage, cost_usd=0.001))
    session.usage = AggregatedUsage()
    session.usage.add_request(usage, 0.001)
    session.status = "completed"
    return session


def test_save_and_load_round_trip(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session()
    history.save_session(session)
    loaded = SessionHistory(db_path=tmp_path / "s.db").load_session(session.session_id)
    assert loaded.to_dict() == session.to_dict()
    assert history.session_count() == 1


def test_appending_never_rewrites_earlier_rows(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session()
    history.save_session(session)
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(
        "CREATE TRIGGER no_rewrite BEFORE UPDATE ON messages WHEN old.status = 'completed' "
        "BEGIN SELECT RAISE(ABORT, 'rewrote a finished message'); END"
    )
    conn.commit()
    session.messages.append(ChatMessage(role="user", content="more"))
    history.save_session(session)
    assert [r[0] for r in conn.execute("SELECT content FROM messages ORDER BY position")] == ["hello", "hi", "more"]


def test_totals_follow_the_ledger(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session(tokens=(10, 5))
    history.save_session(session)
    extra = RequestUsage(input_tokens=7, output_tokens=2, cache_read_tokens=3)
    session.requests.append(RequestRecord(model="m", usage=extra, cost_usd=None))
    history.save_session(session)
    row = sqlite3.connect(tmp_path / "s.db").execute(
        "SELECT input_tokens, output_tokens, cache_read_tokens, request_count, unpriced_requests, cost_usd FROM sessions"
    ).fetchone()
    assert row == (17, 7, 3, 2, 1, 0.001)


def test_delete_keeps_ledger_rows(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session()
    history.save_session(session)
    assert history.delete_session(session.session_id)
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == 1
    assert history.load_session(session.session_id) is None


def test_max_sessions_prunes_oldest(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db", max_sessions=2)
    ids = []
    for i in range(4):
        s = make_session(prompt=f"p{i}")
        history.save_session(s)
        ids.append(s.session_id)
    assert history.session_count() == 2
    assert [s.session_id for s in history.list_sessions()] == [ids[3], ids[2]]


def test_enforce_max_sessions_directly(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    for i in range(5):
        history.save_session(make_session(prompt=f"p{i}"))
    history.max_sessions = 3
    assert history.enforce_max_sessions() == 2
    assert history.session_count() == 3


def test_disabled_history_does_nothing(tmp_path):
    history = SessionHistory(enabled=False, db_path=tmp_path / "s.db")
    history.save_session(make_session())
    assert history.session_count() == 0
    assert not (tmp_path / "s.db").exists()


def test_file_modes(tmp_path):
    data = tmp_path / "new-dir"
    history = SessionHistory(db_path=data / "sessions.db")
    history.save_session(make_session())
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    for name in ("sessions.db", "sessions.db-wal", "sessions.db-shm"):
        path = data / name
        assert path.exists(), name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name


def test_sqlite_settings(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    conn = history.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    SessionHistory(db_path=path).save_session(make_session())
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    with pytest.raises(StoreError, match="newer appam"):
        SessionHistory(db_path=path).list_sessions()


def test_other_database_urls_are_refused(tmp_path):
    with pytest.raises(StoreError, match="SQLite"):
        SessionHistory(url="postgresql://user:secret@localhost/db")
    history = SessionHistory(url=f"sqlite:///{tmp_path / 'via-url.db'}")
    history.save_session(make_session())
    assert (tmp_path / "via-url.db").exists()


def test_resolve_id(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    a, b = make_session(), make_session()
    a.session_id = "aaaa1111-0000-4000-8000-000000000000"
    b.session_id = "aaaa2222-0000-4000-8000-000000000000"
    history.save_session(a)
    history.save_session(b)
    assert history.resolve_id("aaaa1") == a.session_id
    assert history.resolve_id(b.session_id) == b.session_id
    assert history.resolve_id("last") == b.session_id
    with pytest.raises(Exception, match="ambiguous"):
        history.resolve_id("aaaa")
    with pytest.raises(Exception, match="too short"):
        history.resolve_id("aa")
    with pytest.raises(Exception, match="no session matches"):
        history.resolve_id("bbbb")


def test_a_locked_store_is_one_line(offline_cli, monkeypatch):
    """A writer holding the lock past the busy timeout: one clear line, exit 1, no traceback."""
    from appam_cli.store import db as store_db

    history = SessionHistory(db_path=offline_cli.home / "sessions.db")
    history.save_session(make_session())
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 100)
    blocker = sqlite3.connect(offline_cli.home / "sessions.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        result = offline_cli("sessions", "rename", "last", "new title")
    finally:
        blocker.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "session store is busy" in result.stderr
    assert "Traceback" not in result.stderr


def test_taking_a_message_out_of_the_middle_rewrites_what_moved(tmp_path):
    """/retry withdraws an answer that a later (unsaved) system message follows: the store must
    end up holding exactly the session's messages, not the withdrawn answer."""
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session(prompt="q", answer="old answer")
    history.save_session(session)
    session.messages.append(ChatMessage(role="system", content="be brief"))
    del session.messages[1]
    history.save_session(session)
    rows = sqlite3.connect(tmp_path / "s.db").execute("SELECT role, content FROM messages ORDER BY position").fetchall()
    assert rows == [("user", "q"), ("system", "be brief")]


def test_a_ledger_row_whose_save_rolled_back_is_saved_next_time(tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    session = make_session()
    history.save_session(session)
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON requests BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
    conn.commit()
    session.requests.append(RequestRecord(model="m", usage=RequestUsage(input_tokens=5, output_tokens=1), cost_usd=0.5))
    with pytest.raises(sqlite3.DatabaseError):
        history.save_session(session)
    conn.execute("DROP TRIGGER refuse")
    conn.commit()
    history.save_session(session)
    assert conn.execute("SELECT COUNT(*), SUM(input_tokens) FROM requests").fetchone() == (2, 15)
    assert conn.execute("SELECT request_count, input_tokens FROM sessions").fetchone() == (2, 15)


def test_tables_piped_without_columns_keep_whole_cells(offline_cli, monkeypatch):
    """Rich assumes 80 columns for a pipe; our tables give a script whole ids and every column."""
    session = make_session(prompt="a title that is rather long for a narrow table, isn't it")
    session.model = "openrouter/vendor/some-model-name"
    session.requests[0].model = session.model
    SessionHistory(db_path=offline_cli.home / "sessions.db").save_session(session)
    monkeypatch.delenv("COLUMNS")
    listing = offline_cli("sessions", "list").stdout
    assert session.session_id[:8] in listing and "cost" in listing.splitlines()[0]
    report = offline_cli("usage", "--by", "model").stdout
    header = next(line for line in report.splitlines() if line.startswith("model"))
    assert header.split()[-2:] == ["cost", "unpriced"]
    assert session.model in report
