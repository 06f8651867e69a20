"""The session store (SQLite): tables, migrations and SessionHistory."""

from appam_cli.store.history import SessionHistory

__all__ = ["SessionHistory"]
