"""The statuses of sessions, messages and ledger requests (StrEnums: equal to their text)."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"  # an answer was cut (Ctrl-C, kill, dropped stream, cost limit)
    FAILED = "failed"  # the request failed before any answer arrived


class MessageStatus(StrEnum):
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"  # cut before the model finished


class RequestStatus(StrEnum):
    RUNNING = "running"  # sent, not ended yet (or its writer died: store.running settles it)
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"  # the stream was cut by the provider or the network
    INTERRUPTED = "interrupted"  # stopped here: Ctrl-C, SIGTERM, a cost limit
    FAILED = "failed"
