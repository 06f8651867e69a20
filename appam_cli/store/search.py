"""Full-text search over message content: the FTS5 index and the search query.

The index ``messages_fts`` is an *external-content* FTS5 table over
``messages.content``: it keeps only the inverted index and reads the text from
``messages`` itself. Triggers keep it in step with every insert, update and
delete of ``messages`` inside the same transaction, including the deletes that
cascade from a deleted session and the once-a-second upserts of an answer that
is still streaming (the update trigger only runs when the content changed).

Where the user's SQLite has no FTS5, migration 2 leaves the index out and
``search_messages`` falls back to a slower ``LIKE`` scan (``SearchResult.fallback``).
A query that is not valid FTS5 syntax (an unbalanced quote, a lone ``-``, ``AND``
alone, ``*``) is searched again as plain words.

Everything here is SQLite-only SQL: another back end replaces this module.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from appam_cli.datamodel.search_hit import MARK_END, MARK_START, SearchHit, SearchResult
from appam_cli.datamodel.times import from_db, to_db
from appam_cli.store.schema import FTS_DELETE_TRIGGER, FTS_TABLE

SNIPPET_TOKENS = 16


def fts5_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite can create FTS5 tables (it is a compile-time option)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.appam_fts5_probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.appam_fts5_probe")
    return True


@contextmanager
def bulk_delete(conn: sqlite3.Connection) -> Iterator[None]:
    """Delete many messages without the per-row index upkeep, inside the caller's transaction.

    Removing an entry from an FTS5 index re-tokenizes the old text (about 30 µs a
    message); past about half of the messages rebuilding the index from what remains
    is cheaper, and clearing it is nearly free when nothing remains.
    """
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (FTS_DELETE_TRIGGER,)
    ).fetchone()
    conn.execute(f"DROP TRIGGER IF EXISTS {FTS_DELETE_TRIGGER}")
    yield
    remains = conn.execute("SELECT EXISTS (SELECT 1 FROM messages)").fetchone()[0]
    conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('{'rebuild' if remains else 'delete-all'}')")
    if trigger is not None:
        conn.execute(trigger[0])  # the trigger as the store had it


def has_index(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).fetchone()
    return row is not None


def plain_words_query(query: str) -> str:
    """Every whitespace-separated word as a quoted FTS5 string: no operators, no syntax errors."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


def search_messages(
    conn: sqlite3.Connection,
    query: str,
    *,
    role: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> SearchResult:
    """Messages matching ``query``, best first (bm25), each with a snippet and its session."""
    filters, params = _filters(role, since)
    if not has_index(conn):
        return SearchResult(_like_search(conn, query, filters, params, limit), fallback=True)
    try:
        return SearchResult(_fts_search(conn, query, filters, params, limit))
    except sqlite3.OperationalError as exc:
        if not _is_query_error(exc):
            raise
    words = plain_words_query(query)
    if not words:
        return SearchResult([], plain_words=True)
    return SearchResult(_fts_search(conn, words, filters, params, limit), plain_words=True)


def _filters(role: str | None, since: datetime | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if role:
        clauses.append("m.role = ?")
        params.append(role)
    if since:
        clauses.append("m.created_at >= ?")
        params.append(to_db(since))
    return "".join(f" AND {c}" for c in clauses), params


_QUERY_ERRORS = re.compile(r"fts5|syntax error|no such column|unterminated|unknown special query", re.IGNORECASE)


def _is_query_error(exc: sqlite3.OperationalError) -> bool:
    return bool(_QUERY_ERRORS.search(str(exc)))


# The message's number as `sessions show` prints it and `fork --at` counts: 1 for the first message of
# its session (positions may have gaps, where messages were removed). Worked out for the hits only.
_NUMBER = (
    "(SELECT COUNT(*) FROM messages AS p WHERE p.session_id = m.session_id AND p.position <= m.position) AS number"
)


def _fts_search(conn: sqlite3.Connection, match: str, filters: str, params: list[Any], limit: int) -> list[SearchHit]:
    # FTS5 sorts by its hidden `rank` column (bm25) itself; the snippet is made only for the rows returned.
    sql = (
        f"SELECT m.session_id, s.title, {_NUMBER}, m.role, m.model, m.created_at, {FTS_TABLE}.rank AS rank, "
        f"snippet({FTS_TABLE}, 0, ?, ?, '…', {SNIPPET_TOKENS}) AS snippet "
        f"FROM {FTS_TABLE} JOIN messages AS m ON m.id = {FTS_TABLE}.rowid JOIN sessions AS s ON s.id = m.session_id "
        f"WHERE {FTS_TABLE} MATCH ?{filters} ORDER BY {FTS_TABLE}.rank LIMIT ?"
    )
    rows = conn.execute(sql, [MARK_START, MARK_END, match, *params, limit]).fetchall()
    return [_hit(r, r["snippet"]) for r in rows]


def _like_search(conn: sqlite3.Connection, query: str, filters: str, params: list[Any], limit: int) -> list[SearchHit]:
    """Without FTS5: every word must occur (case-insensitively); newest first."""
    words = [w.strip('"') for w in query.split() if w.strip('"')]
    if not words:
        return []
    clauses = " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in words)
    sql = (
        f"SELECT m.session_id, s.title, {_NUMBER}, m.role, m.model, m.created_at, NULL AS rank, m.content "
        f"FROM messages AS m JOIN sessions AS s ON s.id = m.session_id WHERE {clauses}{filters} "
        "ORDER BY m.created_at DESC, m.id DESC LIMIT ?"
    )
    patterns = ["%" + _escape_like(w) + "%" for w in words]
    rows = conn.execute(sql, [*patterns, *params, limit]).fetchall()
    return [_hit(r, _like_snippet(r["content"] or "", words)) for r in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_snippet(text: str, words: list[str], width: int = 90) -> str:
    """Some context around the first match, with every word marked as FTS5's snippet() marks it."""
    flat = " ".join(text.split())
    lower = flat.lower()
    first = min((i for i in (lower.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, first - width // 3)
    piece = flat[start : start + width]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    piece = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_END}", piece)
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(flat) else "")


def _hit(row: sqlite3.Row, snippet: str) -> SearchHit:
    return SearchHit(
        session_id=row["session_id"],
        title=row["title"],
        number=row["number"],
        role=row["role"],
        model=row["model"],
        timestamp=from_db(row["created_at"]),
        snippet=snippet,
        rank=row["rank"],
    )
