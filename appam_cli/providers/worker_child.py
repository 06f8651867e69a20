"""One connection to the provider worker, served in a child forked for it (``worker.Daemon``).

The client says hello with its identity (``worker_place.identity``): another appam version or
install gets ``replace`` and this child tells the worker to stop listening (SIGUSR1). Else the
client sends one request with its whole environment and working folder, which become this
process's; the answer streams back as frames, and the child exits.

Frames from the client: ``("hello", identity, purpose)`` with purpose ``serve``, ``status`` or
``stop``; then for ``serve`` one ``("stream", env, cwd, ProviderRequest)`` or
``("estimate", env, cwd, (model, messages, answer))``. Frames to it: ``("ready", info)``,
``("replace", info)``, ``("status", info)``, ``("stopping", info)``; then for a stream
``("started", None)``, then ``("events", [e, ...])`` frames of provider events (``Outbox``) ending
with the StreamResult (``("event", e)``, one per frame, with ``APPAM_WORKER_BATCH_MS=0``), or a
last ``("error", (message, kind, status, exit_code, sent))``, ``("interrupted", None)`` or
``("crash", traceback)``; for an estimate ``("result", usage)``.

The client closing its end (Ctrl-C, SIGTERM, kill -9) is noticed by a watcher thread, which
interrupts the stream (never mid-frame): the provider's connection is closed at once.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from appam_cli.providers.frames import FrameReader, encode

if TYPE_CHECKING:
    from appam_cli.providers.events import ProviderRequest

HELLO_WAIT = 10.0  # seconds a client has to say hello and send its request
BATCH_SECONDS = 0.004  # events within this of the last frame wait for it to pass, then go in one frame


def fresh_clients(litellm: ModuleType) -> None:
    """Forget the HTTP clients litellm built so far: they hold the proxy and CA settings of the
    environment they were built in. A child builds its own, from its client's environment."""
    cache = vars(litellm).get("in_memory_llm_clients_cache")
    if cache is not None:
        cache.flush_cache()
    for name in ("module_level_client", "module_level_aclient"):
        vars(litellm).pop(name, None)  # made again, lazily, on first use


class Interrupts:
    """SIGINT raises KeyboardInterrupt only while a stream is served, and never mid-frame."""

    def __init__(self) -> None:
        self._armed = False
        self._pending = False

    def handler(self, signum: int, frame: Any) -> None:
        if self._armed:
            self._armed = False
            raise KeyboardInterrupt
        self._pending = True

    @contextmanager
    def armed(self) -> Iterator[None]:
        self._armed = True
        try:
            if self._pending:
                self._pending = False
                raise KeyboardInterrupt
            yield
        finally:
            self._armed = False

    @contextmanager
    def held(self) -> Iterator[None]:
        """Writing a frame: a SIGINT now is kept for the end of it."""
        self._armed = False
        try:
            yield
        finally:
            if self._pending:
                self._pending = False
                raise KeyboardInterrupt
            self._armed = True


def coalesce(events: list[Any]) -> list[Any]:
    """Consecutive text deltas joined into one, and consecutive reasoning deltas; the rest as is."""
    from appam_cli.providers.events import ReasoningDelta, TextDelta

    out: list[Any] = []
    parts: list[str] = []
    kind: Any = None  # the type of the deltas being joined
    for event in events:
        if type(event) is kind:
            parts.append(event.text)
            continue
        if kind is not None:
            out.append(kind("".join(parts)))
            kind = None
        if type(event) in (TextDelta, ReasoningDelta):
            kind, parts = type(event), [event.text]
        else:
            out.append(event)
    if kind is not None:
        out.append(kind("".join(parts)))
    return out


class Outbox:
    """The events of a stream, written to the client by a thread of their own.

    An event that finds the last frame older than ``window`` goes out at once (the first one
    always: no delay to the first token). Those that come sooner wait until ``window`` after
    that frame and go out together, in order, deltas joined (``coalesce``): a fast stream
    costs the client one frame per few ms instead of one per chunk. The stream's thread never
    writes, so an interrupt there never cuts a frame; ``close()`` flushes what is left at once."""

    def __init__(self, write: Callable[[bytes], None], window: float) -> None:
        self._write = write
        self._window = window
        self._cond = threading.Condition()
        self._queue: list[Any] = []
        self._idle = False
        self._closed = False
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="appam-worker-outbox", daemon=True)
        self._thread.start()

    def put(self, event: Any) -> None:
        with self._cond:
            if self.error is not None:
                raise self.error
            self._queue.append(event)
            if self._idle:
                self._cond.notify()

    def close(self) -> None:
        """Returns when everything put has been written (or the client has gone)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        last = float("-inf")
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._idle = True
                    self._cond.wait()
                self._idle = False
                if not self._queue:
                    return
                due = last + self._window
                while not self._closed and (now := time.monotonic()) < due:
                    self._cond.wait(due - now)
                batch, self._queue = self._queue, []
            try:
                self._write(encode(("events", coalesce(batch))))
            except OSError as exc:  # the client is gone
                with self._cond:
                    self.error = exc
                    self._queue = []
                return
            last = time.monotonic()


def batch_window() -> float:
    """``APPAM_WORKER_BATCH_MS`` from the request's environment (for measuring): 0 sends a
    frame per event."""
    try:
        return max(0.0, float(os.environ["APPAM_WORKER_BATCH_MS"]) / 1000)
    except (KeyError, ValueError):
        return BATCH_SECONDS


class Connection:
    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.reader = FrameReader(conn.recv)
        self.interrupts = Interrupts()

    def send(self, tag: str, payload: Any = None) -> None:
        self.conn.sendall(encode((tag, payload)))

    def watch_hangup(self) -> None:
        """Interrupt the main thread as soon as the client's end closes (it sends nothing more)."""
        main = threading.main_thread().ident
        fd = self.conn.fileno()

        def watch() -> None:
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0))
            while True:
                try:
                    poller.poll()
                except InterruptedError:
                    continue
                except OSError:
                    break
                break
            if main is not None:
                signal.pthread_kill(main, signal.SIGINT)

        threading.Thread(target=watch, name="appam-worker-hangup", daemon=True).start()

    def stream(self, request: ProviderRequest) -> None:
        from appam_cli.errors import AppamError, ProviderError
        from appam_cli.providers.client import stream_chat
        from appam_cli.providers.events import StreamResult

        events = None
        end: tuple[str, Any] | None = None
        window = batch_window()
        outbox = Outbox(self.conn.sendall, window) if window else None
        try:
            with self.interrupts.armed():
                self.send("started")
                events = stream_chat(request)
                for event in events:
                    with self.interrupts.held():
                        if outbox is not None:
                            outbox.put(event)
                        else:
                            self.send("event", event)
                    if isinstance(event, StreamResult):
                        break
                else:
                    end = ("error", ("the provider stream ended without a result", "provider", None, None))
        except KeyboardInterrupt:
            end = ("interrupted", None)
        except OSError:  # the client is gone
            return
        except ProviderError as exc:
            end = ("error", (exc.message, exc.kind, exc.status, exc.exit_code, exc.sent))
        except AppamError as exc:
            end = ("error", (exc.message, None, None, exc.exit_code))
        except Exception:
            end = ("crash", traceback.format_exc())
        finally:
            if events is not None:
                try:
                    events.close()  # ends the HTTP request now
                except BaseException:
                    pass
            if outbox is not None:
                outbox.close()  # what the stream gave goes out before how it ended
        if end is None or (outbox is not None and outbox.error is not None):
            return
        try:
            self.send(*end)
        except OSError:
            pass

    def estimate(self, model: str, messages: list, answer: str) -> None:
        from appam_cli.providers.usage import estimate_usage

        try:
            result = estimate_usage(model, messages, answer)
        except Exception:
            result = None
        self.send("result", result)


def _adopt(env: dict[str, str], cwd: str | None) -> None:
    """The client's environment and folder become this process's, for its one request."""
    keep = {k: os.environ[k] for k in ("LITELLM_LOCAL_MODEL_COST_MAP", "LITELLM_LOG") if k in os.environ}
    os.environ.clear()
    os.environ.update(env)
    os.environ.update(keep)
    if cwd:
        try:
            os.chdir(cwd)
        except OSError:
            pass


def client_is_stale(theirs: dict[str, Any], own: dict[str, Any]) -> bool:
    """Whether the client, not this worker, is out of date. Both stamp the provider code as they
    find it on disk (``identity``): the worker when it started, the client now. Same install and
    no newer code on disk than when this worker started, yet another version: the client's
    memory predates the install (a chat left open across an upgrade). Replacing the worker for it
    would only start another worker of the installed version, which it would replace again."""
    same_install = theirs.get("install") == own.get("install") and theirs.get("prefix") == own.get("prefix")
    return same_install and theirs.get("code", 0) <= own.get("code", 0) and theirs.get("version") != own.get("version")


def serve_connection(conn: socket.socket, parent: int, own: dict[str, Any], idle: float) -> int:
    link = Connection(conn)
    signal.signal(signal.SIGINT, link.interrupts.handler)
    conn.settimeout(HELLO_WAIT)
    try:
        hello = link.reader.read()
        if not (isinstance(hello, tuple) and len(hello) == 3 and hello[0] == "hello"):
            return 1
        _, theirs, purpose = hello
        info = {"pid": parent, "idle": idle, **own}
        if purpose == "status":
            link.send("status", info)
            return 0
        if purpose == "serve" and isinstance(theirs, dict) and theirs != own and client_is_stale(theirs, own):
            link.send("stale", info)  # an appam started before an upgrade: it answers in-process
            return 0
        if purpose == "stop" or theirs != own:
            link.send("stopping" if purpose == "stop" else "replace", info)
            if os.getppid() == parent:  # else the worker is gone and its pid may be another process's
                os.kill(parent, signal.SIGTERM if purpose == "stop" else signal.SIGUSR1)
            return 0
        link.send("ready", info)
        message = link.reader.read()
        if message is None:
            return 0
        kind, env, cwd, payload = message
        conn.settimeout(None)
    except (OSError, ValueError, EOFError):
        return 1
    _adopt(env, cwd)
    if kind == "estimate":
        link.estimate(*payload)
        return 0
    link.watch_hangup()
    link.stream(payload)
    return 0
