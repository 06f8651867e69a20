"""The session store (SQLite): tables, migrations and SessionHistory."""

from appam_cli.store.history import SessionHistory
from appam_cli.store.rows import SessionSummary

__all__ = ["SessionHistory", "SessionSummary"]
