"""The "being answered now" rule (defined in store.queries): one turn at a time on a session."""

from __future__ import annotations

from appam_cli.agent.store import SessionStore
from appam_cli.datamodel import SessionStatus
from appam_cli.datamodel.times import utcnow
from appam_cli.errors import UserError
from appam_cli.store.queries import BUSY_SECONDS  # the rule's one definition, which deletion and pruning use too

__all__ = ["BUSY_SECONDS", "refuse_if_busy"]


def refuse_if_busy(history: SessionStore, session_id: str) -> None:
    """UserError when another process is answering ``session_id`` now.

    A running session checkpoints about once a second, so one marked running and
    updated in the last ``BUSY_SECONDS`` is busy; an older one was cut (a crash, kill -9)
    and may be continued.
    """
    summary = history.summary(session_id)
    if summary is None or summary.status != SessionStatus.RUNNING or summary.updated_at is None:
        return
    age = (utcnow() - summary.updated_at).total_seconds()
    if age < BUSY_SECONDS:
        raise UserError(
            f"session {session_id[:8]} is still being answered by another appam (updated {age:.0f} s ago): "
            "continue it once that answer is done"
        )
