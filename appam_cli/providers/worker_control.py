"""``appam worker status|start|stop``: asking the worker about itself, starting it, stopping it."""

from __future__ import annotations

import os
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from appam_cli.providers.frames import FrameReader, encode
from appam_cli.providers.worker_place import Place, identity, lock_held, pid_alive, verify_peer

ASK_WAIT = 3.0


@dataclass
class WorkerStatus:
    place: Place
    running: bool  # it answered
    info: dict[str, Any] = field(default_factory=dict)  # what it said (pid, version, install), or its state file
    current: bool = False  # it is this appam's (version, install)

    @property
    def pid(self) -> int | None:
        pid = self.info.get("pid")
        return pid if isinstance(pid, int) else None


def _ask(place: Place, purpose: str) -> tuple[str, dict[str, Any]] | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(ASK_WAIT)
    try:
        place.check()
        conn.connect(place.socket)
        verify_peer(place, conn)  # another user's socket gets nothing and is not believed
        conn.sendall(encode(("hello", identity(), purpose)))
        reply = FrameReader(conn.recv).read()
    except OSError:
        return None
    finally:
        conn.close()
    return reply if isinstance(reply, tuple) and len(reply) == 2 else None


def status(place: Place | None = None) -> WorkerStatus:
    place = place or Place.current()
    reply = _ask(place, "status")
    if reply is None:
        state = place.read_state()
        alive = pid_alive(state.get("pid"))
        return WorkerStatus(place, running=False, info=state if alive else {})
    info = reply[1]
    mine = identity()
    return WorkerStatus(place, running=True, info=info, current=all(info.get(k) == v for k, v in mine.items()))


def start(place: Place | None = None, *, warm_model: str | None = None, idle: float | None = None) -> WorkerStatus:
    """A worker of this appam, running and ready (an older one is replaced)."""
    from appam_cli.providers.remote import ProviderWorker, Unavailable

    place = place or Place.current()
    worker = ProviderWorker(idle=idle, place=place)
    worker.warm_model = warm_model
    try:
        worker._open().close()
    except Unavailable:
        pass
    return status(place)


def stop(place: Place | None = None, wait: float = 5.0) -> int | None:
    """Stop the worker (requests in flight finish); the pid it had, None when none was running."""
    place = place or Place.current()
    reply = _ask(place, "stop")
    pid = reply[1].get("pid") if reply is not None else place.read_state().get("pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        return pid if reply is not None and isinstance(pid, int) else None
    if reply is None:  # not answering (hung): the state file names it, if a worker holds the lock
        try:
            place.check()
        except OSError:
            return None
        if not lock_held(place):  # none does: that pid is some other process now
            return None
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            return None
    deadline = time.monotonic() + wait
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return pid
