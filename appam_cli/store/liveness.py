"""Is the process writing a request still there? One rule for every command that asks.

A writer records who it is on its ledger row (``requests.owner_pid``, ``owner_host``) and a
heartbeat (``heartbeat_at``, at the request's start and at each checkpoint, about once a
second while text arrives). It is alive when:

- it is not this process (see ``writer_alive``);
- it runs on this host and its process exists (``os.kill(pid, 0)``; a process we may not
  signal exists too), however old its heartbeat, unless the heartbeat is older than any
  request lasts (``PID_REUSE_SECONDS``: the id then belongs to another process);
- it runs on another host (or did not say where), and its heartbeat is younger than
  ``STALE_SECONDS``.

Reading only: nothing here writes, so read commands can ask on a read-only store.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

STALE_SECONDS = 30  # a writer on another host that has not checkpointed for this long is gone
PID_REUSE_SECONDS = 6 * 3600  # no request streams this long: a live pid with an older heartbeat is someone else


@dataclass(frozen=True)
class Owner:
    pid: int | None
    host: str | None
    heartbeat_at: datetime | None


@lru_cache(maxsize=1)
def this_host() -> str:
    return socket.gethostname()


def this_process() -> tuple[int, str]:
    return os.getpid(), this_host()


def pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def writer_alive(owner: Owner, *, now: datetime) -> bool:
    """Whether another process is writing under ``owner``. This process never is: a row it opened
    is its own to settle (store.running keeps them apart), and any other row with its id was left
    by a dead process that had the same id (a reused pid; in a container every appam may be pid 1)."""
    age = (now - owner.heartbeat_at).total_seconds() if owner.heartbeat_at is not None else None
    if owner.pid is not None and owner.host == this_host():
        if owner.pid == os.getpid():
            return False
        return pid_exists(owner.pid) and (age is None or age < PID_REUSE_SECONDS)
    return age is not None and age < STALE_SECONDS


def session_alive(owners: list[Owner], updated_at: datetime | None, *, now: datetime) -> bool:
    """Whether a session marked running is still being answered.

    ``owners``: the writers of its running ledger rows. Without any (a store from before
    the ledger knew its writers, or a writer that died between saving the prompt and
    sending it), the session's last update stands for a heartbeat.
    """
    if owners:
        return any(writer_alive(o, now=now) for o in owners)
    return updated_at is not None and (now - updated_at).total_seconds() < STALE_SECONDS
