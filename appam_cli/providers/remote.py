"""The client of the provider worker (``providers/worker.py``): a ``ProviderBackend``.

``ProviderWorker`` connects to the user's worker over its unix socket, starting one (detached)
when none answers, and sends each request there with this process's environment. ``start()``
does that in a thread as early as the command can, so the connection (and, the first time,
litellm's import in the worker) overlaps with the rest of the command's work.

Before a request is sent, anything wrong with the worker (none could start, a stale socket,
one that does not answer within a few seconds, another appam version's that will not go)
falls back to this process (``LocalBackend``): the answer comes all the same. Once the
request is sent it is never sent again: a worker that dies then is an incomplete answer.
A request left unfinished (Ctrl-C, a cost limit) closes the connection; the worker's child
notices and closes the provider's connection.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from appam_cli.datamodel.usage import RequestUsage
from appam_cli.errors import AppamError, ProviderError
from appam_cli.providers.backend import LocalBackend
from appam_cli.providers.events import Event, ProviderRequest, StreamResult
from appam_cli.providers.frames import FrameReader, encode
from appam_cli.providers.worker_place import Place, identity, pid_alive, verify_peer

HELLO_WAIT = 3.0  # seconds for a worker that says it is ready to answer a hello
LOAD_WAIT = 120.0  # for one still loading litellm (started by us or by another appam a moment ago)
ESTIMATE_WAIT = 5.0
CLOSED = "the worker closed the connection"
PENDING_FRESH = 8.0  # a connection opened ahead is used within this (the worker's child waits 10 s)
# What the worker process itself is started with: none of the caller's keys or proxies (each
# request brings its own environment), only what finding Python, appam and the folder needs.
SPAWN_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TMPDIR", "TMP", "TEMP", "PYTHONPATH", "VIRTUAL_ENV",
             "APPAM_HOME", "APPAM_WORKER_DIR", "XDG_RUNTIME_DIR")
_SPAWNED: list[subprocess.Popen] = []  # kept, so that no Popen is collected while its worker runs


class Unavailable(Exception):
    """No worker can take the request (it was not sent)."""


class ProviderWorker:
    """Provider requests served by the shared worker process, or by this process when it cannot."""

    def __init__(
        self,
        *,
        debug: bool = False,
        idle: float | None = None,
        notice: Callable[[str], None] | None = None,
        place: Place | None = None,
        ident: dict[str, Any] | None = None,
    ) -> None:
        self.debug = debug
        self.idle = idle
        self.notice = notice
        self.place = place or Place.current()
        self.ident = ident
        self.local = LocalBackend()
        self.warm_model: str | None = None
        self._starter: threading.Thread | None = None
        self._pending: tuple[socket.socket, float] | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self.why_not: str | None = None  # why the last request was served in this process
        self.spawned: subprocess.Popen | None = None

    # -- life cycle ----------------------------------------------------------------

    def start(self, warm_model: str | None = None) -> None:
        """In a thread: connect to the worker, starting it if none answers (it loads litellm)."""
        self.warm_model = warm_model or self.warm_model
        with self._lock:
            if self._starter is not None and self._starter.is_alive():
                return
            self._starter = threading.Thread(target=self._open_ahead, name="appam-worker-connect", daemon=True)
            self._starter.start()

    def _open_ahead(self) -> None:
        try:
            conn = self._open()
        except Unavailable as exc:
            self.why_not = str(exc)
            return
        old, self._pending = self._pending, (conn, time.monotonic())
        if old is not None:
            old[0].close()
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        if not self.ready:
            self.start()
        return self._ready.wait(timeout)

    def close(self) -> None:
        """Let go of a connection opened ahead (the worker itself is shared: it stays)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending[0].close()

    # -- the provider interface --------------------------------------------------------

    def stream_chat(self, request: ProviderRequest) -> Iterator[Event]:
        self.warm_model = self.warm_model or request.model
        try:
            conn = self._connection()
        except Unavailable as exc:
            self._fell_back(str(exc))
            return self.local.stream_chat(request)
        return self._events(conn, request)

    def estimate_usage(self, model: str, messages: list[dict[str, Any]], answer: str) -> RequestUsage:
        """litellm's token count from the worker; this process's when it has litellm loaded
        anyway, else a rough count (never a 3 s import for an estimate)."""
        try:
            conn = self._connection(spawn=False)
        except Unavailable:
            if "litellm" in sys.modules:
                return self.local.estimate_usage(model, messages, answer)
            return _rough(messages, answer)
        try:
            conn.settimeout(ESTIMATE_WAIT)
            conn.sendall(encode(("estimate", dict(os.environ), _cwd(), (model, messages, answer))))
            reply = FrameReader(conn.recv).read()
        except OSError:
            reply = None
        finally:
            conn.close()
        if isinstance(reply, tuple) and reply[0] == "result" and reply[1] is not None:
            return reply[1]
        return _rough(messages, answer)

    # -- connecting ----------------------------------------------------------------------

    def _connection(self, spawn: bool = True) -> socket.socket:
        starter = self._starter
        if starter is not None and starter is not threading.current_thread():
            starter.join()  # Ctrl-C here: nothing was sent
        pending, self._pending = self._pending, None
        if pending is not None:
            conn, opened = pending
            if time.monotonic() - opened < PENDING_FRESH:
                return conn
            conn.close()
        return self._open(spawn=spawn)

    def _open(self, spawn: bool = True) -> socket.socket:
        """A connection whose worker said ready to take one request; Unavailable otherwise."""
        try:
            self.place.check()  # never talk to a socket someone else could have put there
        except OSError as exc:
            raise Unavailable(str(exc)) from exc
        for _attempt in range(3):
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.connect(self.place.socket)
            except (FileNotFoundError, ConnectionRefusedError) as exc:
                conn.close()
                if not spawn:
                    raise Unavailable("no worker is running") from exc
                conn = self._spawn_and_connect()
            except OSError as exc:
                conn.close()
                raise Unavailable(f"cannot reach the worker ({exc.strerror or exc})") from exc
            tag, info = self._hello(conn)
            if tag == "ready":
                self._ready.set()
                return conn
            conn.close()
            if tag == CLOSED:  # it was exiting (idle, stopped) as we came: nothing was sent, try again
                continue
            if tag == "stale":
                raise Unavailable("this appam is older than the one installed: restart it to use the worker")
            if tag != "replace":
                raise Unavailable(tag)
            self._wait_gone(info.get("pid"))  # another version's: it stops listening; start ours
        raise Unavailable("no worker would take the request (another appam version's would not make way)")

    def _hello(self, conn: socket.socket) -> tuple[str, Any]:
        state = self.place.read_state()
        loading = state.get("state") == "loading" and pid_alive(state.get("pid"))
        spawned = self.spawned is not None and self.spawned.poll() is None
        conn.settimeout(LOAD_WAIT if loading or spawned else HELLO_WAIT)
        try:
            verify_peer(self.place, conn)  # before a byte goes out or is unpickled
        except OSError as exc:
            return f"unsafe worker socket ({exc})", None
        try:
            conn.sendall(encode(("hello", self.ident or identity(), "serve")))
            reply = FrameReader(conn.recv).read()
        except TimeoutError:
            return "the worker did not answer", None
        except OSError:
            return CLOSED, None
        conn.settimeout(None)
        if not (isinstance(reply, tuple) and len(reply) == 2):
            return CLOSED, None
        return reply

    def _wait_gone(self, pid: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (pid_alive(pid) and os.path.exists(self.place.socket)):
            time.sleep(0.02)

    def _spawn_and_connect(self) -> socket.socket:
        with self._lock:
            if self.spawned is None or self.spawned.poll() is not None:
                self.spawned = spawn_worker(self.place, self.warm_model, self.idle)
        proc = self.spawned
        deadline = time.monotonic() + LOAD_WAIT
        while time.monotonic() < deadline:
            conn = self._try_connect()
            if conn is not None:
                return conn
            if proc.poll() is not None:  # it could not start, or another had started meanwhile
                conn = self._try_connect()
                if conn is not None:
                    return conn
                raise Unavailable(f"the worker could not start (exit {proc.returncode})")
            time.sleep(0.01)
        raise Unavailable("the worker did not start in time")

    def _try_connect(self) -> socket.socket | None:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.place.socket)
        except OSError:
            conn.close()
            return None
        return conn

    def _fell_back(self, why: str) -> None:
        self.why_not = why
        if self.debug and self.notice is not None:
            self.notice(f"provider worker unavailable ({why}): answering in this process")

    # -- a request in flight ---------------------------------------------------------

    def _events(self, conn: socket.socket, request: ProviderRequest) -> Iterator[Event]:
        from appam_cli.providers.events import Notice, Retrying

        answered = False
        try:
            try:
                conn.sendall(encode(("stream", dict(os.environ), _cwd(), request)))
            except OSError:
                pass  # the child may still have it: what it says next (or its silence) tells
            reader = FrameReader(conn.recv)
            while True:
                try:
                    message = reader.read()
                except OSError:
                    message = None
                if message is None:
                    yield self._cut(answered)
                    return
                tag, payload = message
                if tag == "started":
                    continue
                if tag == "events" or tag == "event":
                    for event in payload if tag == "events" else (payload,):
                        if not answered and not isinstance(event, (Notice, Retrying)):
                            answered = True
                        yield event
                        if isinstance(event, StreamResult):
                            return
                    continue
                raise self._failure(tag, payload)
        finally:
            conn.close()  # before the end: the worker's child cancels the provider request

    def _cut(self, answered: bool) -> StreamResult:
        """The worker died with the request sent: never sent again. An answer that had started is
        incomplete; one that had not is a provider error."""
        why = "the provider worker stopped unexpectedly"
        if not answered:
            raise ProviderError(f"{why} before the answer started", kind="provider")
        return StreamResult(finish_reason=None, error=why)

    def _failure(self, tag: str, payload: Any) -> AppamError:
        if tag == "error":
            message, kind, status, exit_code, *rest = payload
            if kind is None:
                return AppamError(message, exit_code=exit_code)
            return ProviderError(message, kind=kind, status=status, sent=bool(rest[0]) if rest else True)
        if tag == "interrupted":
            return ProviderError("the request was cancelled", kind="provider")
        detail = payload if tag == "crash" and isinstance(payload, str) else ""
        from appam_cli.providers.errors import scrub

        if detail and self.debug:
            sys.stderr.write(scrub(detail))
        last = detail.strip().splitlines()[-1:] or [f"unexpected reply {tag!r}"]
        return ProviderError(f"the provider worker failed ({scrub(last[0])})", kind="provider")


def spawn_worker(place: Place, warm_model: str | None, idle: float | None) -> subprocess.Popen:
    """The worker, detached: a session of its own, no terminal, the caller's keys left out."""
    argv = [sys.executable, "-m", "appam_cli.providers.worker"]
    if warm_model:
        argv += ["--warm", warm_model]
    if idle is not None:
        argv += ["--idle", repr(float(idle))]
    env = {k: v for k, v in os.environ.items() if k in SPAWN_ENV or k.startswith("LC_")}
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
        cwd="/",
        env=env,
    )
    _SPAWNED.append(proc)
    return proc


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def _rough(messages: list[dict[str, Any]], answer: str) -> RequestUsage:
    from appam_cli.providers.usage import rough_tokens, rough_tokens_of_messages

    return RequestUsage(
        input_tokens=rough_tokens_of_messages(messages), output_tokens=rough_tokens(answer), estimated=True
    )
