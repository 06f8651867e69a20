"""The provider worker: one process per user (per ``APPAM_HOME``) that keeps litellm loaded.

    python -m appam_cli.providers.worker [--warm MODEL] [--idle SECONDS]

Started detached by the first model call that finds none (``remote.ProviderWorker``), it
listens on a unix socket in a private folder (``worker_place``), imports litellm, runs the
code path of a first request once (``warm``), then accepts connections. For each one it
forks a child, which serves that one connection (``worker_child``) and exits: the child has
litellm loaded (copy-on-write) and takes the client's whole environment (API keys, base URLs,
proxy and CA settings) for its one request; nothing of it comes back to this process.

This process stays single-threaded (checked after warming) so that forking is safe. It exits
after ``--idle`` seconds without a connection and with no child left; at SIGTERM (``appam
worker stop``); or when a client of another appam version or install asks (its child tells
this process with SIGUSR1). Then it stops listening at once and children in flight finish.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import socket
import sys
import threading
import time
from typing import Any

from appam_cli.providers.worker_place import Place, identity

IDLE_DEFAULT = 600.0
LOCK_WAIT = 5.0  # seconds to wait for a worker being replaced to let go of the folder
TICK = 1.0


class _Stop(Exception):
    pass


class Daemon:
    def __init__(self, place: Place, idle: float, warm_model: str | None) -> None:
        self.place = place
        self.idle = idle
        self.warm_model = warm_model
        self.pid = os.getpid()
        self.identity = identity()
        self.children: set[int] = set()
        self.listener: socket.socket | None = None
        self.lock_fd: int | None = None
        self.socket_ino: int | None = None
        self.stopping = False
        self.in_select = False
        self.last_active = time.monotonic()

    # -- start and stop ---------------------------------------------------------------

    def acquire(self) -> bool:
        """The folder's lock, held for this process's life: one worker per folder."""
        self.place.prepare()
        fd = os.open(self.place.lock, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.lock_fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() > deadline or self._answering():
                    os.close(fd)
                    return False
                time.sleep(0.05)

    def _answering(self) -> bool:
        """Another worker listens here already (a client raced us to start one)."""
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.place.socket)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def listen(self) -> None:
        path = self.place.socket
        try:
            os.unlink(path)  # we hold the lock: whatever is there is stale
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            listener.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        listener.listen(128)
        self.socket_ino = os.stat(path).st_ino
        self.listener = listener

    def write_state(self, state: str) -> None:
        self.place.write_state(pid=self.pid, state=state, idle=self.idle, socket=self.place.socket, **self.identity)

    def shutdown(self) -> None:
        """Stop listening: the socket and state go (if still ours), the lock is let go; children go on."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        try:
            if self.socket_ino is not None and os.stat(self.place.socket).st_ino == self.socket_ino:
                os.unlink(self.place.socket)
        except OSError:
            pass
        if self.place.read_state().get("pid") == self.pid:
            try:
                os.unlink(self.place.state)
            except OSError:
                pass
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None

    def _signalled(self, signum: int, frame: Any) -> None:
        if os.getpid() != self.pid:
            return
        self.stopping = True
        if self.in_select:
            raise _Stop

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        from appam_cli.providers.loader import load_litellm
        from appam_cli.providers.worker_child import fresh_clients
        from appam_cli.providers.worker_warm import retire_pool_threads, warm

        litellm = load_litellm()
        if self.warm_model:
            warm(self.warm_model)
        fresh_clients(litellm)
        retire_pool_threads()
        extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        if extra:  # forking with threads running is not safe: say so, and serve in-process instead
            raise RuntimeError(f"threads running after loading litellm: {', '.join(extra)}")

    # -- serving -------------------------------------------------------------------------

    def serve(self) -> int:
        assert self.listener is not None
        self.last_active = time.monotonic()  # idle from now on, not from the start of loading
        while not self.stopping:
            self.reap()
            if not self.children and time.monotonic() - self.last_active > self.idle:
                if not select.select([self.listener], [], [], 0)[0]:  # nobody waiting at the door
                    break
            try:
                self.in_select = True
                if self.stopping:
                    break
                readable, _, _ = select.select([self.listener], [], [], TICK)
            except _Stop:
                break
            finally:
                self.in_select = False
            if not readable:
                continue
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.last_active = time.monotonic()
            if not self.same_user(conn):
                conn.close()
                continue
            self.fork(conn)
        self.shutdown()
        return 0

    @staticmethod
    def same_user(conn: socket.socket) -> bool:
        from appam_cli.providers.worker_place import peer_is_this_user

        return peer_is_this_user(conn)

    def fork(self, conn: socket.socket) -> None:
        try:
            pid = os.fork()
        except OSError:
            conn.close()
            return
        if pid == 0:
            code = 1
            try:
                from appam_cli.providers.worker_child import serve_connection

                for sig in (signal.SIGTERM, signal.SIGUSR1, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                if self.listener is not None:
                    self.listener.close()
                if self.lock_fd is not None:
                    os.close(self.lock_fd)
                code = serve_connection(conn, self.pid, self.identity, self.idle)
            finally:
                os._exit(code)
        conn.close()
        self.children.add(pid)

    def reap(self) -> None:
        for pid in list(self.children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self.children.discard(pid)
                self.last_active = time.monotonic()


def _detach_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appam_cli.providers.worker")
    parser.add_argument("--warm", default=None)
    parser.add_argument("--idle", type=float, default=IDLE_DEFAULT)
    parser.add_argument("--keep-stderr", action="store_true")
    args = parser.parse_args(argv)
    if not args.keep_stderr:
        _detach_stdio()  # nothing this process prints ever reaches a terminal or a log
    else:
        os.dup2(os.open(os.devnull, os.O_RDWR), 0)
    daemon = Daemon(Place.current(), args.idle, args.warm)
    if not daemon.acquire():
        return 0  # another worker serves this folder
    for sig in (signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, daemon._signalled)
    try:
        daemon.listen()
        daemon.write_state("loading")
        daemon.load()
        if daemon.stopping:
            daemon.shutdown()
            return 0
        daemon.write_state("ready")
        return daemon.serve()
    except BaseException:
        daemon.shutdown()
        if args.keep_stderr:
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
