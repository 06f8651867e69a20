"""``sessions export``: pick the sessions, stream them one at a time into a writer.

Ids on the command line are resolved (prefix, ``last``) before anything is written, so a bad
id fails with no partial output. ``--all``/``--since`` walk the store oldest first inside one
read transaction (a consistent snapshot) and load one session at a time. A file is written
under a temporary name and renamed when complete: an interrupted export never leaves a
truncated file in place of a good one. Only a regular file (or a new one) is written that way:
a FIFO, a device or a socket is refused before anything is written, since renaming over it would
replace it with a file; ``-`` and ``/dev/stdout`` stream to standard output.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from appam_cli.errors import EXIT_USAGE, UserError
from appam_cli.export.writers import make_writer
from appam_cli.store import transfer


@dataclass
class Selection:
    ids: list[str] | None  # named on the command line (resolved), or None for the whole store
    since: datetime | None = None

    @property
    def single(self) -> bool:
        return self.ids is not None and len(self.ids) == 1


def select(history, refs: list[str], *, all_: bool, since: datetime | None) -> Selection:
    if refs and (all_ or since):
        raise UserError("give session ids, or --all / --since, not both", exit_code=EXIT_USAGE)
    if not refs and not (all_ or since):
        raise UserError("name the sessions to export (id, prefix or `last`) or use --all", exit_code=EXIT_USAGE)
    if not refs:
        return Selection(ids=None, since=since)
    resolved: list[str] = []
    for ref in refs:
        session_id = history.resolve_id(ref)
        if session_id not in resolved:
            resolved.append(session_id)
    return Selection(ids=resolved)


STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
# Names of a process's open files: the file behind one may be a regular file (a shell redirect),
# but renaming over it would not write through the descriptor.
_DESCRIPTOR = re.compile(r"/dev/(stdin|stdout|stderr|fd/\d+)|/proc/(self|\d+)/fd/\d+")
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def to_stdout(path: Path | None) -> bool:
    """True when the export goes to standard output (no ``-o``, ``-o -`` or ``-o /dev/stdout``)."""
    return path is None or str(path) in STDOUT_NAMES


def _regular_target(path: Path) -> Path:
    """The file to replace: ``path`` itself, or the file a symlink points to (the link is kept).

    Anything that is not a regular file is refused: the rename would put a file in its place.
    """
    if _DESCRIPTOR.fullmatch(str(path)):
        raise UserError(f"cannot write {path}: it names an open file descriptor; use `-o -` or a shell redirect")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path  # a new file (or a dangling link, replaced like a missing file)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise UserError(f"cannot write {path}: it is {kind}; -o writes regular files (`-o -` is standard output)")
    return Path(os.path.realpath(path))


@contextmanager
def open_output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or ``path`` written atomically (temporary file in the same folder, then renamed)."""
    if path is None or to_stdout(path):
        yield sys.stdout
        sys.stdout.flush()
        return
    path = _regular_target(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(tmp, path)  # mkstemp made it 0600: exports hold conversations, private like the store
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def export(
    history,
    selection: Selection,
    fmt: str,
    out: TextIO,
    *,
    on_start: Callable[[int], None] | None = None,
    on_session: Callable[[], None] | None = None,
) -> int:
    """Write the selected sessions; return how many. ``on_start(total)`` / ``on_session()`` drive a progress bar."""
    conn = history.conn
    writer = make_writer(fmt, out, single=selection.single)
    with transfer.snapshot(conn):
        if selection.ids is not None:
            ids: Iterator[str] = iter(selection.ids)
            total = len(selection.ids)
        else:
            total = transfer.count_sessions(conn, selection.since)
            ids = transfer.iter_session_ids(conn, selection.since)
        if on_start:
            on_start(total)
        for session_id in ids:
            session = history.load_session(session_id, with_requests=True)
            if session is None:  # pragma: no cover - deleted between resolve and load (outside the snapshot)
                continue
            writer.write(session)
            if on_session:
                on_session()
        writer.close()
    return writer.count
