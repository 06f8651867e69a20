"""``sessions import --from-llm PATH``: conversations from an ``llm`` logs.db become sessions.

Both generations of llm's tables are read: legacy ``conversations``/``responses`` and the
message store of llm >= 0.32 (``threads``/``turns``/...). llm 0.32+ continuing an old
conversation writes a thread with the conversation's id whose chain repeats the old messages:
such a pair becomes ONE session, the old messages keeping their own times, the ledger holding
both the old responses and the new turns.

Each session: agent ``llm``, title from the conversation name, status completed, one imported
ledger row per response/turn (cost unknown), an id derived from llm's (``session_id_for``),
so importing the same database again skips what is already there. The llm database is opened
read-only and never changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from appam_cli.datamodel import Session
from appam_cli.datamodel.status import SessionStatus
from appam_cli.datamodel.times import utcnow
from appam_cli.errors import UserError
from appam_cli.export.llm_common import AGENT, parse_time, session_id_for
from appam_cli.export.llm_legacy import LegacyReader, LlmConversation
from appam_cli.export.llm_threads import ThreadReader
from appam_cli.store import transfer


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise UserError(f"cannot import from llm: no file at {path} (`llm logs path` prints where llm keeps it)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot import from llm: {path} is not an SQLite database ({exc})") from None
    return conn


def _merge(legacy: LlmConversation, thread: LlmConversation) -> LlmConversation:
    """A legacy conversation continued by llm >= 0.32 under the same id."""
    old = legacy.messages
    head = thread.messages[: len(old)]
    if len(head) == len(old) and [m.role for m in head] == [m.role for m in old]:
        thread.messages = old + thread.messages[len(old) :]
    thread.requests = sorted(legacy.requests + thread.requests, key=lambda r: r.started_at)
    thread.title = legacy.title or thread.title
    thread.model = thread.model or legacy.model
    return thread


def _session(conv: LlmConversation) -> Session:
    times = [m.timestamp for m in conv.messages] + [r.started_at for r in conv.requests]
    ends = [r.started_at + timedelta(milliseconds=r.duration_ms or 0) for r in conv.requests]
    started = min(times, default=conv.created_at or utcnow())
    return Session(
        session_id=session_id_for(conv.llm_id),
        agent_name=AGENT,
        model=conv.model or "unknown",
        messages=conv.messages,
        started_at=started,
        ended_at=max(ends + times, default=started),
        title=conv.title,
        status=SessionStatus.COMPLETED,
        parent_id=session_id_for(conv.parent_llm_id) if conv.parent_llm_id else None,
        requests=conv.requests,
    )


class LlmDatabase:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = _open(path)
        self.legacy = LegacyReader(self.conn)
        self.threads = ThreadReader(self.conn, self.legacy.tables)
        if not (self.legacy.present or self.threads.present):
            self.conn.close()
            raise UserError(
                f"cannot import from llm: {path} is not an llm logs database "
                "(it has neither conversations/responses nor threads/turns tables)"
            )
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        first: dict[str, datetime] = {}
        self.legacy_ids: set[str] = set()
        self.thread_ids: set[str] = set()
        for ids, kind in ((self.legacy.ids(), self.legacy_ids), (self.threads.ids(), self.thread_ids)):
            for llm_id, text in ids:
                kind.add(llm_id)
                when = parse_time(text) or epoch
                first[llm_id] = min(first.get(llm_id, when), when)
        self.order = sorted(first, key=lambda i: (first[i], i))  # oldest first

    def close(self) -> None:
        self.conn.close()

    def session_ids(self) -> list[str]:
        return [session_id_for(i) for i in self.order]

    def sessions(self) -> Iterator[Session]:
        for llm_id in self.order:
            try:
                legacy = self.legacy.read(llm_id) if llm_id in self.legacy_ids else None
                thread = self.threads.read(llm_id) if llm_id in self.thread_ids else None
            except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
                raise UserError(
                    f"cannot import from llm: conversation {llm_id} in {self.path} cannot be read ({exc}); "
                    "nothing was imported"
                ) from None
            conv = _merge(legacy, thread) if legacy and thread else (thread or legacy)
            if conv is not None and conv.messages:
                yield _session(conv)


def import_llm(history, path: Path, *, replace: bool, dry_run: bool = False):
    source = LlmDatabase(path)
    try:
        if dry_run:
            from appam_cli.export.importer import ImportPlan

            ids = source.session_ids()
            return ImportPlan(total=len(ids), existing=len(transfer.existing_ids(history.conn, ids)))
        return transfer.import_sessions(history.conn, source.sessions(), replace=replace)
    finally:
        source.close()
