"""Versioned schema migrations, imported only when ``PRAGMA user_version`` says one is due.

Each step is frozen: its SQL is written out as it was for its version and never built
from today's declarations (``store.schema``), so that a later step (an ``ALTER TABLE …
ADD COLUMN``, say) finds exactly what the earlier steps made, on a new store as on an old
one. A new step goes at the end with the next number (``db.SCHEMA_VERSION``); the steps
already here are never edited. They run in order, inside the caller's write transaction.

1. The tables ``sessions``, ``messages`` and ``requests`` (the ledger) and their indexes.
2. The full-text index over message content (an FTS5 table, its triggers, and the messages
   already saved), where SQLite has FTS5; without it search falls back to ``LIKE``.
3. Two covering indexes over the ledger that usage reports scan in group order, so a
   million requests aggregate without sorting them.
4. Who writes a ledger row while its request runs (``owner_pid``, ``owner_host``) and its
   ``heartbeat_at``, so that a later command recognises a dead writer; a small index over
   the rows still running.
5. Where a session was answered: ``sessions.api_base``, and ``sessions.imported_api_base``
   for one named only by an imported file (used once the user confirms it).
6. The tool loop: an assistant message's signed thinking blocks (``messages.thinking_blocks``, JSON
   text), sent back with it after a tool call as Anthropic requires; and who answers a running
   session (``sessions.writer_pid``, ``writer_host``), which tells a dead writer while tools run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = (
    """CREATE TABLE IF NOT EXISTS requests (
        id INTEGER NOT NULL,
        session_id VARCHAR,
        agent_name VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        started_at DATETIME NOT NULL,
        duration_ms INTEGER,
        ttft_ms INTEGER,
        status VARCHAR NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_creation_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        cost_usd FLOAT,
        usage_estimated BOOLEAN NOT NULL,
        imported BOOLEAN NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_requests_session_id ON requests (session_id)",
    "CREATE INDEX IF NOT EXISTS ix_requests_started_at ON requests (started_at)",
    """CREATE TABLE IF NOT EXISTS sessions (
        id VARCHAR NOT NULL,
        agent_name VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        title VARCHAR,
        status VARCHAR NOT NULL,
        parent_id VARCHAR,
        started_at DATETIME NOT NULL,
        ended_at DATETIME,
        updated_at DATETIME NOT NULL,
        message_count INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_creation_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        cost_usd FLOAT NOT NULL,
        request_count INTEGER NOT NULL,
        unpriced_requests INTEGER NOT NULL,
        estimated_requests INTEGER NOT NULL,
        PRIMARY KEY (id)
    )""",
    "CREATE INDEX IF NOT EXISTS ix_sessions_updated_at ON sessions (updated_at)",
    "CREATE INDEX IF NOT EXISTS ix_sessions_agent_name ON sessions (agent_name)",
    """CREATE TABLE IF NOT EXISTS messages (
        id INTEGER NOT NULL,
        session_id VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        role VARCHAR NOT NULL,
        content VARCHAR,
        reasoning VARCHAR,
        tool_calls VARCHAR,
        tool_call_id VARCHAR,
        name VARCHAR,
        model VARCHAR,
        status VARCHAR NOT NULL,
        created_at DATETIME NOT NULL,
        PRIMARY KEY (id),
        CONSTRAINT uq_messages_position UNIQUE (session_id, position),
        FOREIGN KEY(session_id) REFERENCES sessions (id) ON DELETE CASCADE
    )""",
)

_V2 = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5("
    "content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    # Every message row has an entry (an empty one without content), as 'rebuild' makes them;
    # removing an entry needs the exact old text.
    "CREATE TRIGGER IF NOT EXISTS messages_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS messages_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    # An answer still streaming is upserted about once a second: re-index only when its text changed.
    "CREATE TRIGGER IF NOT EXISTS messages_fts_update AFTER UPDATE OF content, id ON messages "
    "WHEN old.content IS NOT new.content OR old.id IS NOT new.id BEGIN "
    "INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",  # index the messages already saved
)

_V3 = (
    "CREATE INDEX IF NOT EXISTS ix_requests_usage_by_day ON requests (substr(started_at, 1, 10), started_at, "
    "model, agent_name, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens, "
    "cost_usd, usage_estimated)",
    "CREATE INDEX IF NOT EXISTS ix_requests_usage_by_model ON requests (model, agent_name, session_id, started_at, "
    "input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens, cost_usd, "
    "usage_estimated)",
)

_V4 = (
    "ALTER TABLE requests ADD COLUMN owner_pid INTEGER",
    "ALTER TABLE requests ADD COLUMN owner_host VARCHAR",
    "ALTER TABLE requests ADD COLUMN heartbeat_at DATETIME",
    "CREATE INDEX IF NOT EXISTS ix_requests_running ON requests (session_id) WHERE status = 'running'",
)

_V5 = (
    "ALTER TABLE sessions ADD COLUMN api_base VARCHAR",
    "ALTER TABLE sessions ADD COLUMN imported_api_base VARCHAR",
)

_V6 = (
    "ALTER TABLE messages ADD COLUMN thinking_blocks VARCHAR",
    "ALTER TABLE sessions ADD COLUMN writer_pid INTEGER",
    "ALTER TABLE sessions ADD COLUMN writer_host VARCHAR",
)


def _run(statements: tuple[str, ...]) -> Callable[[sqlite3.Connection], None]:
    def step(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return step


def _search_index_v2(conn: sqlite3.Connection) -> None:
    from appam_cli.store import search

    if search.fts5_available(conn):  # a compile-time option of SQLite
        _run(_V2)(conn)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _run(_V1),
    2: _search_index_v2,
    3: _run(_V3),
    4: _run(_V4),
    5: _run(_V5),
    6: _run(_V6),
}


def migrate(conn: sqlite3.Connection, current: int, target: int) -> None:
    for version in range(current + 1, target + 1):
        MIGRATIONS[version](conn)
