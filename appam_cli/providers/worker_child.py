"""One connection to the provider worker, served in a child forked for it (``worker.Daemon``).

The client says hello with its identity (``worker_place.identity``): another appam version or
install gets ``replace`` and this child tells the worker to stop listening (SIGUSR1). Else the
client sends one request with its whole environment and working folder, which become this
process's; the answer streams back as frames, and the child exits.

Frames from the client: ``("hello", identity, purpose)`` with purpose ``serve``, ``status`` or
``stop``; then for ``serve`` one ``("stream", env, cwd, ProviderRequest)`` or
``("estimate", env, cwd, (model, messages, answer))``. Frames to it: ``("ready", info)``,
``("replace", info)``, ``("status", info)``, ``("stopping", info)``; then for a stream
``("started", None)``, one ``("event", e)`` per provider event ending with the StreamResult, or a
last ``("error", (message, kind, status, exit_code))``, ``("interrupted", None)`` or
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
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from appam_cli.providers.frames import FrameReader, encode

if TYPE_CHECKING:
    from appam_cli.providers.events import ProviderRequest

HELLO_WAIT = 10.0  # seconds a client has to say hello and send its request


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
        try:
            with self.interrupts.armed():
                self.send("started")
                events = stream_chat(request)
                for event in events:
                    with self.interrupts.held():
                        self.send("event", event)
                    if isinstance(event, StreamResult):
                        return
                end = ("error", ("the provider stream ended without a result", "provider", None, None))
        except KeyboardInterrupt:
            end = ("interrupted", None)
        except OSError:  # the client is gone
            return
        except ProviderError as exc:
            end = ("error", (exc.message, exc.kind, exc.status, exc.exit_code))
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
        if purpose == "stop" or theirs != own:
            link.send("stopping" if purpose == "stop" else "replace", info)
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
