"""When the session store could not take a turn: say what was not saved, and keep it elsewhere.

A save that did not happen is never reported as one. The answer shown on the screen is
also written to stderr (so a terminal's scrollback or a redirected log holds it), and the
whole session goes to a recovery file that ``appam sessions import`` reads back, named
only if writing it worked (the disk that refused the store may refuse that file too).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

from appam_cli.datamodel import ChatMessage, MessageStatus, Session
from appam_cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    AppamError,
    SessionDeleted,
    StoreError,
    Terminated,
)
from appam_cli.render.environment import Environment
from appam_cli.store.db import save_failure, what_ended_the_turn


def store_failure_reason(exc: BaseException) -> str | None:
    """Why the store did not take the turn, when ``exc`` is that failure (SQLite's, or the store
    not opening at all: a data folder that cannot be made, say); None for anything else."""
    if isinstance(exc, StoreError) and not isinstance(exc, sqlite3.Error):
        return exc.message  # names its own path
    return save_failure(exc)


def report_unsaved(
    env: Environment, session: Session, store: Path, reason: str, exc: BaseException, *, answered: bool, sent: bool
) -> int:
    """The lines for a turn the store did not take, and the exit code: 1, or 130/143 when a
    Ctrl-C or SIGTERM ended the turn (the save that failed was the one after it). ``sent``:
    the request went out (the first save, of the prompt, comes before it)."""
    cause = what_ended_the_turn(exc)
    if isinstance(cause, AppamError):  # what ended the turn first (a provider error, a cut stream)
        env.error(cause.message)
    elif answered and session.messages[-1].status != MessageStatus.COMPLETED and not isinstance(
        cause, (KeyboardInterrupt, Terminated)
    ):
        env.error("the answer was cut off before the model finished")
    what = "the answer was NOT saved" if answered else "this exchange was NOT saved" if sent else "nothing was sent"
    named = str(store) in reason or str(store.parent) in reason
    env.error(f"{what}: {reason}" + ("" if named else f" ({store})"))
    answer = session.messages[-1].content if answered and session.messages else None
    if answer:
        env.notice("the unsaved answer (the store holds at most its start, marked incomplete):")
        env.text(answer)
    copy = write_recovery_file(session) if sent else None  # nothing sent: the prompt is the user's own
    if copy is not None:
        env.notice(f"a copy of the whole session is in {copy} (appam sessions import {copy} brings it back)")
    if isinstance(cause, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(cause, Terminated):
        return EXIT_TERMINATED
    return EXIT_BAD_INPUT


def report_deleted(env: Environment, exc: SessionDeleted, messages: list[ChatMessage]) -> int:
    """The one line for a session another command deleted under this turn, then the answer that
    could not be saved; the exit code."""
    text = "".join(m.content or "" for m in messages if m.role == "assistant")
    env.error(f"{exc.message}: the answer was not saved" + (", its text follows" if text else ""))
    if text:
        env.text(text)
    return exc.exit_code


def write_recovery_file(session: Session) -> Path | None:
    """The session as ``sessions export`` writes it, in the temp folder (else the home folder),
    private (0600); the path only if all of it was written, else None and no half file left."""
    data = json.dumps(session.to_dict(include_requests=True), ensure_ascii=False, indent=2) + "\n"
    name = f"appam-unsaved-{session.session_id}.json"
    for folder in dict.fromkeys((tempfile.gettempdir(), str(Path.home()))):
        path = Path(folder) / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return path
        except OSError:
            try:
                path.unlink()
            except OSError:
                pass
    return None
