"""A turn whose request never left the machine leaves nothing behind.

No API key, a model litellm cannot route, a server that cannot be reached, a cost limit the
prompt alone would pass: nothing was sent and nothing spent, so no session is created and no
ledger row stays (``appam usage`` counts requests that were sent). The session goes back to
what it was before the turn; the user still has the prompt they typed. A request that reached
the provider and failed is another matter: its session (the prompt is not lost) and its row stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from appam_cli.datamodel import Session, SessionStatus
from appam_cli.errors import ProviderError

if TYPE_CHECKING:
    from appam_cli.agent.store import SessionStore


def never_sent(exc: BaseException) -> bool:
    """The turn failed before its request reached any server (the provider says so)."""
    return isinstance(exc, ProviderError) and not exc.sent


@dataclass
class TurnStart:
    """What a session was before a turn changed it, to put it back."""

    messages: int
    requests: int
    stored: bool  # the session is in the store already (its messages have rows)
    status: SessionStatus
    ended_at: datetime | None
    model: str
    api_base: str | None
    imported_api_base: str | None
    title: str | None

    @classmethod
    def of(cls, session: Session) -> TurnStart:
        sid = session.session_id
        return cls(
            messages=len(session.messages),
            requests=len(session.requests),
            stored=any(m.row is not None and m.row[0] == sid for m in session.messages),
            status=session.status,
            ended_at=session.ended_at,
            model=session.model,
            api_base=session.api_base,
            imported_api_base=session.imported_api_base,
            title=session.title,
        )

    def restore(self, session: Session, history: SessionStore | None = None) -> None:
        """The session as it was; in ``history`` too: a session the turn created is deleted, one
        it added to loses what the turn added (the turn's rows go, its answer's place is freed)."""
        del session.messages[self.messages :]
        del session.requests[self.requests :]
        session.status, session.ended_at, session.title = self.status, self.ended_at, self.title
        session.model, session.api_base, session.imported_api_base = self.model, self.api_base, self.imported_api_base
        if history is None:
            return
        if self.stored:
            if session.status == SessionStatus.RUNNING:  # (a dead writer's, loaded as it was left)
                session.status = SessionStatus.INTERRUPTED
            history.save_session(session)
        else:
            history.delete_session(session.session_id, force=True)
