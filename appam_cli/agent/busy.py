"""The "still being answered" rule: another appam streaming into a session owns its next positions."""

from __future__ import annotations

from appam_cli.agent.store import SessionStore
from appam_cli.datamodel import SessionStatus
from appam_cli.errors import UserError


def refuse_if_busy(history: SessionStore, session_id: str) -> None:
    """UserError when another process is answering ``session_id`` now.

    The store reports a session whose writer is gone as interrupted (store.liveness: a dead
    process on this host at once, a silent writer elsewhere after ``STALE_SECONDS``); one
    still running has a live writer.
    """
    summary = history.summary(session_id)
    if summary is None or summary.status != SessionStatus.RUNNING:
        return
    raise UserError(
        f"session {session_id[:8]} is still being answered by another appam: continue it once that answer is done"
    )
