"""SessionStore: what the agent and the chat need of a session history (store.SessionHistory is one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from appam_cli.datamodel import RequestRecord, Session
    from appam_cli.store.rows import SessionSummary


class SessionStore(Protocol):
    enabled: bool  # False: every call is a no-op (``--no-save``)
    auto_save: bool  # an Agent saves as it goes only when this is on

    def save_session(self, session: Session, *, reserve_answer: bool = False) -> None: ...

    def refresh(self, session: Session) -> int: ...

    def checkpoint_message(self, session: Session, position: int) -> None: ...

    def open_request(self, session: Session, record: RequestRecord) -> None: ...

    def checkpoint_request(self, session: Session, record: RequestRecord) -> None: ...

    def settle_requests(self, session: Session) -> None: ...

    def load_session(
        self, session_id: str, *, with_requests: bool = False, last: int | None = None
    ) -> Session | None: ...

    def resolve_id(self, ref: str) -> str: ...

    def summary(self, session_id: str) -> SessionSummary | None: ...

    def rename_session(self, session_id: str, title: str) -> None: ...

    def list_sessions(self, limit: int | None = 20, offset: int = 0) -> list[SessionSummary]: ...

    def session_count(self) -> int: ...
