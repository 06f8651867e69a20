"""The session store (SQLite): tables, migrations and SessionHistory.

``SessionHistory`` is imported on first use, so that the small readers of this package
(``session_ids``, which Tab completion calls) do not load the whole store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appam_cli.store.history import SessionHistory

__all__ = ["SessionHistory"]


def __getattr__(name: str) -> Any:
    if name == "SessionHistory":
        from appam_cli.store.history import SessionHistory

        return SessionHistory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
