"""Session ids and titles for Tab completion: one indexed query on a read-only connection.

Imports nothing but ``sqlite3`` (and ``queries.prefix_range``): a Tab press pays for opening
the file and reading about ``limit`` rows, however many sessions the store holds. A store
that is missing, locked for longer than a moment, damaged or of another schema gives no ids
rather than an error: completing a word never fails.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appam_cli.store.queries import prefix_range

WAIT_SECONDS = 0.2  # a Tab waits this long at most for a store another process is writing


def recent_sessions(path: Path, prefix: str = "", limit: int = 50) -> list[tuple[str, str | None]]:
    """``(id, title)`` of the sessions whose id starts with ``prefix``, most recently updated
    first; never creates, migrates or writes the store."""
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=WAIT_SECONDS)
    except sqlite3.Error:
        return []
    try:
        if not prefix:
            rows = conn.execute("SELECT id, title FROM sessions ORDER BY updated_at DESC LIMIT ?", (limit,)).fetchall()
        else:
            lo, hi = prefix_range(prefix)
            # One character matches a sixteenth of the (hex) ids: walking the time index newest first
            # (``+id`` keeps SQLite off the id index) finds ``limit`` of them in a few hundred rows.
            # A longer prefix matches few: look them up by id, then sort those few by time.
            column = "+id" if len(prefix) == 1 else "id"
            rows = conn.execute(
                f"SELECT id, title FROM sessions WHERE {column} >= ? AND {column} < ? "
                "ORDER BY updated_at DESC LIMIT ?",
                (lo, hi, limit),
            ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [(str(sid), title if isinstance(title, str) else None) for sid, title in rows]
