"""``sessions import FILE``: validate the whole input, then write it in one transaction.

Pass 1 reads every record, checks it (``validate``) and collects the ids; the first problem
stops the import before anything is written, naming the line (jsonl) or item and the field.
Pass 2 reads the input again and hands the sessions to ``store.transfer`` one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from appam_cli.datamodel import Session
from appam_cli.datamodel.times import utcnow
from appam_cli.errors import UserError
from appam_cli.export.reader import InputProblem, SessionFile
from appam_cli.export.validate import RecordError, session_from_record
from appam_cli.store import transfer


@dataclass
class ImportPlan:
    total: int
    existing: int


def _problem(source: SessionFile, location: str, problem: str) -> UserError:
    where = f"{location}: " if location else ""
    return UserError(f"cannot import {source.name}: {where}{problem}; nothing was imported")


def _sessions(source: SessionFile, now) -> Iterator[tuple[str, Session]]:
    """(where, session) for every record, or the first problem as a UserError."""
    try:
        for record in source.records():
            try:
                yield record.location, session_from_record(record.data, now=now)
            except RecordError as exc:
                hint = ""
                if isinstance(record.data, dict) and set(record.data) == {"messages"}:
                    hint = " (this looks like `--format openai` output, which cannot be imported)"
                location = ", ".join(part for part in (record.location, exc.field) if part)
                raise _problem(source, location, exc.problem + hint) from None
    except InputProblem as exc:
        raise _problem(source, exc.location, exc.problem) from None


def _check(source: SessionFile, now) -> list[str]:
    """Pass 1: every record valid, no id twice; the ids in input order."""
    first_seen: dict[str, str] = {}
    for location, session in _sessions(source, now):
        sid = session.session_id
        if sid in first_seen:
            where = ", ".join(p for p in (location, "session_id") if p)
            raise _problem(source, where, f"{sid!r} appears twice (first at {first_seen[sid]})")
        first_seen[sid] = location
    return list(first_seen)


def import_file(history, path: str, *, replace: bool, dry_run: bool = False) -> transfer.ImportCounts | ImportPlan:
    source = SessionFile(path)
    try:
        now = utcnow()
        ids = _check(source, now)
        conn = history.conn
        if dry_run:
            return ImportPlan(total=len(ids), existing=len(transfer.existing_ids(conn, ids)))
        return transfer.import_sessions(conn, (s for _, s in _sessions(source, now)), replace=replace)
    finally:
        source.close()
