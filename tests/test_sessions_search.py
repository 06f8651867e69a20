"""`appam sessions search` and the FTS5 index behind it (migration 2, triggers, fallback)."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from sessions_store import fts_ok, fts_rowids, make_session, save, snapshot

from appam_cli.datamodel import ChatMessage
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.store import SessionHistory
from appam_cli.store.db import SCHEMA_VERSION

A = "aaaa1111-0000-4000-8000-000000000001"
B = "bbbb2222-0000-4000-8000-000000000002"
C = "cccc3333-0000-4000-8000-000000000003"


def hits(cli, *args):
    result = cli("sessions", "search", *args, "--json")
    assert result.exit_code == 0, result.stderr
    assert result.exception is None
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def store(appam_home):
    save(
        appam_home,
        make_session("How do SQLite indexes work?", "SQLite indexes are B-trees; an index on a column "
                     "makes lookups by that column fast.", session_id=A),
        make_session("Tell me about Python generators", "A generator yields values lazily. "
                     "Unlike SQLite, it stores nothing.", session_id=B),
        make_session("sqlite sqlite sqlite vacuum", "VACUUM rebuilds the SQLite file.", session_id=C),
    )
    return appam_home


def test_search_ranks_highlights_and_names_the_session(offline_cli, store):
    found = hits(offline_cli, "sqlite")
    assert len(found) == 5  # every message that says sqlite, any case
    assert found[0]["session_id"] == C and found[0]["role"] == "user"  # three mentions in a short message
    assert [h["rank"] for h in found] == sorted(h["rank"] for h in found)  # bm25: lower is better
    top = found[0]
    assert top["title"] == "sqlite sqlite sqlite vacuum" and top["message_number"] == 1
    assert top["snippet"] == "sqlite sqlite sqlite vacuum"
    assert top["highlights"] == [[0, 6], [7, 13], [14, 20]]
    assert top["timestamp"].endswith("Z")
    generator = next(h for h in found if h["session_id"] == B)
    assert generator["role"] == "assistant" and generator["model"] == "openai/test-model"
    start, end = generator["highlights"][0]
    assert generator["snippet"][start:end] == "SQLite"


def test_search_output_for_people(offline_cli, store):
    result = offline_cli("sessions", "search", "generators")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bbbb2222 #1 user · Tell me about Python generators · 20")
    assert lines[1] == "  Tell me about Python generators"
    styled = offline_cli("sessions", "search", "generators", env={"TTY_COMPATIBLE": "1", "NO_COLOR": "1"})
    assert "Python \x1b[1mgenerators\x1b[0m" in styled.stdout  # the match is highlighted on a terminal
    none = offline_cli("sessions", "search", "kubernetes")
    assert none.exit_code == 0 and "No messages match 'kubernetes'." in none.stdout


def test_search_filters(offline_cli, store):
    assert {h["role"] for h in hits(offline_cli, "sqlite", "--role", "assistant")} == {"assistant"}
    assert len(hits(offline_cli, "sqlite", "--role", "assistant")) == 3
    assert len(hits(offline_cli, "sqlite", "-n", "2")) == 2
    assert len(hits(offline_cli, "sqlite", "--limit", "1", "--role", "user")) == 1
    old = make_session("ancient sqlite question", session_id="dddd4444-0000-4000-8000-000000000004")
    for m in old.messages:
        m.timestamp = utcnow() - timedelta(days=30)
    save(store, old)
    assert any(h["session_id"].startswith("dddd") for h in hits(offline_cli, "ancient"))
    assert hits(offline_cli, "ancient", "--since", "7d") == []
    assert len(hits(offline_cli, "sqlite", "--since", "7d")) == 5


def test_search_understands_fts_syntax(offline_cli, store):
    assert [h["session_id"] for h in hits(offline_cli, '"python generators"')] == [B]
    assert {h["session_id"] for h in hits(offline_cli, "vacuum OR generator")} == {B, C}
    assert {h["session_id"] for h in hits(offline_cli, "gener*")} == {B}
    assert {h["session_id"] for h in hits(offline_cli, "sqlite NOT vacuum")} == {A, B}


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "-", "AND", "*", "sqlite AND", "NOT", "(", ")", "c++", "a:b", '"', "^", "NEAR(", "OR OR",
     "sqlite -", "'", "col:sqlite", "sqlite\x00x", "💥", "\\", "%", "_"],
)
def test_fts_syntax_errors_never_crash(offline_cli, store, query):
    result = offline_cli("sessions", "search", query)
    assert result.exit_code == 0, result.stderr
    assert result.exception is None, repr(result.exception)
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 1


def test_invalid_syntax_is_searched_as_plain_words(offline_cli, store):
    result = offline_cli("sessions", "search", '"python generators', "--json")
    assert result.exit_code == 0
    assert "searched for its words as plain text" in result.stderr
    assert [json.loads(line)["session_id"] for line in result.stdout.splitlines()] == [B]
    assert {h["session_id"] for h in hits(offline_cli, "vacuum -")} == {C}  # a lone "-" is no word: ignored
    assert hits(offline_cli, "sqlite AND") == []  # "and" is a word then, and no message has it


@pytest.mark.parametrize("args, words, code", [([""], ["empty"], 1), (["  "], ["empty"], 1),
                                               (["x", "--role", "bot"], ["--role"], 2),
                                               (["x", "--since", "later"], ["invalid time"], 2)])
def test_search_bad_input(offline_cli, store, args, words, code):
    result = offline_cli("sessions", "search", *args)
    assert result.exit_code == code and result.exception is None
    assert all(w in result.stderr for w in words) and len(result.stderr.strip().splitlines()) == 1


# -- the index follows every write -------------------------------------------------------


def test_index_follows_checkpoints_updates_and_deletes(appam_home):
    history = SessionHistory()
    session = make_session("first words", "")
    session.messages[1].content = "partial answ"
    history.save_session(session)
    for text in ("partial answer growing", "partial answer growing longer", "final answer text"):
        session.messages[1].content = text  # an answer still streaming, checkpointed every second
        history.checkpoint_message(session, 1)
        fts_ok(appam_home)
    assert fts_rowids(appam_home, "growing") == [] and len(fts_rowids(appam_home, "final")) == 1
    session.messages[1].content = None  # a tool-call-only answer has no text
    history.checkpoint_message(session, 1)
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "final") == []
    session.messages = session.messages[:1]  # a withdrawn answer is deleted
    history.save_session(session)
    fts_ok(appam_home)
    history.delete_session(session.session_id)
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "first") == []


def test_saving_again_rewrites_nothing(appam_home):
    """A session loaded by another SessionHistory and saved again writes no message row
    (run_turn_cli loads with its own instance), so neither the rows nor the index churn."""
    save(appam_home, make_session("some prompt", session_id=A))
    conn = sqlite3.connect(appam_home / "sessions.db")
    conn.execute("CREATE TRIGGER no_rewrite BEFORE UPDATE ON messages BEGIN SELECT RAISE(ABORT, 'rewrote'); END")
    conn.commit()
    session = SessionHistory().load_session(A)
    session.messages.append(ChatMessage("user", "more"))
    SessionHistory().save_session(session)  # a fresh instance: it does not know what is saved
    assert [r[0] for r in conn.execute("SELECT content FROM messages ORDER BY position")][-1] == "more"


def test_a_real_run_is_searchable(cli, appam_home):
    from provider_server import Reply

    cli.server.enqueue(Reply(["Photosynthesis ", "turns light ", "into sugar."]))
    result = cli.run("--json", "explain photosynthesis")
    assert result.exit_code == 0, result.stderr
    found = hits(cli, "sugar")
    assert len(found) == 1 and found[0]["role"] == "assistant" and found[0]["snippet"] == "Photosynthesis turns light into sugar."
    fts_ok(appam_home)


# -- migration 2 --------------------------------------------------------------------------


def make_v1_store(path):
    """A store as appam with schema version 1 left it, with messages in it."""
    from appam_cli.store.migrations import MIGRATIONS

    conn = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[1](conn)
    conn.execute("PRAGMA user_version = 1")
    now = to_db(utcnow())
    conn.execute(
        "INSERT INTO sessions (id, agent_name, model, title, status, started_at, updated_at, message_count, "
        "input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, "
        "request_count, unpriced_requests, estimated_requests) "
        "VALUES (?, 'default', 'm', 'old title', 'completed', ?, ?, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
        (A, now, now),
    )
    conn.executemany(
        "INSERT INTO messages (session_id, position, role, content, status, created_at) VALUES (?, ?, ?, ?, 'completed', ?)",
        [(A, 0, "user", "what is a quasar?", now), (A, 1, "assistant", "A very bright galactic nucleus.", now)],
    )
    conn.close()


def test_migration_2_indexes_existing_messages(offline_cli, appam_home):
    appam_home.mkdir()
    make_v1_store(appam_home / "sessions.db")
    found = hits(offline_cli, "galactic")
    assert [(h["session_id"], h["message_number"]) for h in found] == [(A, 2)]
    conn = sqlite3.connect(appam_home / "sessions.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"messages_fts_insert", "messages_fts_update", "messages_fts_delete"} <= triggers
    fts_ok(appam_home)
    assert json.loads(offline_cli("sessions", "show", "aaaa", "--json").stdout)["title"] == "old title"


def test_without_fts5_search_falls_back_to_like_and_says_so_once(offline_cli, appam_home, monkeypatch):
    from appam_cli.store import search

    monkeypatch.setattr(search, "fts5_available", lambda conn: False)  # a SQLite built without FTS5
    save(appam_home, make_session("Where is 100% of the_cake?", "The cake is a lie. Cake!", session_id=A))
    save(appam_home, make_session("pie recipe", "Bake the pie.", session_id=B))
    conn = sqlite3.connect(appam_home / "sessions.db")
    assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'messages_fts%'").fetchall() == []
    result = offline_cli("sessions", "search", "CAKE", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("FTS5") == 1 and "LIKE" in result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(h["session_id"], h["role"]) for h in found} == {(A, "user"), (A, "assistant")}
    answer = next(h for h in found if h["role"] == "assistant")
    assert [answer["snippet"][s:e] for s, e in answer["highlights"]] == ["cake", "Cake"]
    assert len(hits(offline_cli, "100%")) == 1 and hits(offline_cli, "50%") == []  # % and _ are literal
    assert len(hits(offline_cli, "the_cake")) == 1 and hits(offline_cli, "thexcake") == []
    assert [h["session_id"] for h in hits(offline_cli, "bake", "--role", "assistant")] == [B]
    for query in ('"unbalanced', "-", "AND", "*"):
        assert offline_cli("sessions", "search", query).exit_code == 0
    before = snapshot(appam_home)
    assert offline_cli("sessions", "delete", A, "--yes").exit_code == 0  # no triggers to trip over
    assert len(snapshot(appam_home)["messages"]) == len(before["messages"]) - 2
