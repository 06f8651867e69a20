"""Expected failures: each is one clear line on stderr and an exit code (design.md)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_PROVIDER = 3
EXIT_INCOMPLETE = 4
EXIT_BUDGET = 5
EXIT_SCHEMA = 6
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class AppamError(Exception):
    """An expected failure with a one-line message for the user."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UserError(AppamError):
    """Bad input: unknown id, unreadable file, invalid config."""

    exit_code = EXIT_BAD_INPUT


class StoreError(AppamError):
    """The session store cannot be used (newer schema, unsupported URL, locked file)."""

    exit_code = EXIT_BAD_INPUT


class ProviderError(AppamError):
    """The model provider failed: auth, rate limit, server, network, timeout, context window.

    ``sent`` is False when the request never left the machine (no API key, a model litellm
    cannot route, a server that cannot be reached): such a failure leaves no session and no
    ledger row behind."""

    exit_code = EXIT_PROVIDER

    def __init__(self, message: str, *, kind: str = "provider", status: int | None = None, sent: bool = True) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.sent = sent


class BudgetExceeded(AppamError):
    """A spending limit stopped the run (exit code 5); everything already received is saved."""

    exit_code = EXIT_BUDGET


class AnswerInvalid(AppamError):
    """The answer does not match the schema asked for (``--schema``; exit code 6); it is saved as it arrived."""

    exit_code = EXIT_SCHEMA


class LoopStopped(AppamError):
    """The tool loop stopped before the model gave a final answer (``--max-steps`` reached, or the
    same call failing again and again): an incomplete answer (exit 4), everything so far saved.
    ``session`` is the session as saved."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, message: str, session: object = None) -> None:
        super().__init__(message)
        self.session = session


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (saving what we have), then exit 143."""


class SessionDeleted(AppamError):
    """The session was deleted (by another appam command) while this process was writing to it.

    Nothing more of it is saved: the session is not recreated."""

    exit_code = EXIT_BAD_INPUT


class SessionBusy(UserError):
    """A deletion named a session that another appam is answering now (``--force`` deletes it anyway)."""
