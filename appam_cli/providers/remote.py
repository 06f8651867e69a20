"""The parent's handle on the provider worker process (``providers/worker.py``).

``ProviderWorker`` has the same two calls as the provider package,
``stream_chat(request)`` and ``estimate_usage(...)`` (a ``ProviderBackend``): an Agent given it
routes requests through it. The chat REPL starts it as soon as its prompt is
drawn, so litellm loads in another process while the user types.

Threads: a reader thread turns the worker's frames into messages on a queue and
a writer thread sends ours, so the main thread only waits on queues -- a Ctrl-C
there can never cut a frame in half. One request is open at a time. A request
left unfinished (Ctrl-C, an error in a callback, a cost limit) is cancelled by
the generator's ``finally`` or, at the latest, before the next call: SIGINT to
the worker when it is serving it, else (still loading) a fresh worker.
"""

from __future__ import annotations

import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

from appam_cli.datamodel.usage import RequestUsage
from appam_cli.errors import AppamError, ProviderError
from appam_cli.providers.events import Event, ProviderRequest, StreamResult
from appam_cli.providers.worker import TERMINAL_TAGS, FrameReader, encode, write_all

CANCEL_WAIT = 5.0  # seconds for a cancelled stream to wind down before the worker is replaced
ESTIMATE_WAIT = 5.0
_EOF = (None, "eof", None)


class _Channel:
    """One worker process and the two threads that talk to it."""

    def __init__(self, debug: bool) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "appam_cli.providers.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl-C is ours to pass on, or not
            bufsize=0,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.inbox: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.ready = threading.Event()
        self.started: set[int] = set()
        self.dead = False
        self.crash: str | None = None
        threading.Thread(target=self._read, name="appam-worker-reader", daemon=True).start()
        threading.Thread(target=self._write, name="appam-worker-writer", daemon=True).start()

    def _read(self) -> None:
        reader = FrameReader(self.stdout.fileno())
        try:
            while True:
                message = reader.read()
                if message is None:
                    break
                rid, tag, payload = message
                if tag == "ready":
                    self.ready.set()
                    continue
                if tag == "started":
                    self.started.add(rid)
                if tag == "crash" and rid is None:
                    self.crash = payload
                    break
                self.inbox.put(message)
        except Exception:
            pass
        self.dead = True
        self.inbox.put(_EOF)

    def _write(self) -> None:
        fd = self.stdin.fileno()
        while True:
            data = self.outbox.get()
            if data is None:
                return
            try:
                write_all(fd, data)
            except OSError:
                return

    def send(self, message: Any) -> None:
        self.outbox.put(encode(message))

    def receive(self, rid: int, timeout: float | None = None) -> tuple[str, Any]:
        """The next message about request ``rid`` (older requests' leftovers are dropped)."""
        while True:
            got_rid, tag, payload = self.inbox.get(timeout=timeout)
            if tag == "eof":
                self.inbox.put(_EOF)  # stays dead for every later reader
                return tag, payload
            if got_rid == rid:
                return tag, payload

    def kill(self) -> None:
        self.dead = True
        self.outbox.put(None)
        try:
            self.proc.kill()
        except OSError:
            pass
        for pipe in (self.stdin, self.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass


class ProviderWorker:
    """Provider requests served by a worker process that keeps litellm loaded."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self._channel: _Channel | None = None
        self._ids = itertools.count(1)
        self._open: tuple[_Channel, int] | None = None
        self._lock = threading.Lock()
        self._warm_model: str | None = None

    # -- life cycle ----------------------------------------------------------------

    def start(self, warm_model: str | None = None) -> None:
        """Start the worker (it begins loading litellm at once) unless it is running.

        ``warm_model``: once loaded, the worker also runs the code path of a first request
        to that model (no request leaves the machine), so the first answer is not slower.
        """
        self._warm_model = warm_model or self._warm_model
        with self._lock:
            if self._channel is None or self._channel.dead:
                self._channel = _Channel(self.debug)
                if self._warm_model:
                    self._channel.send(("warm", None, self._warm_model))

    @property
    def ready(self) -> bool:
        channel = self._channel
        return channel is not None and channel.ready.is_set() and not channel.dead

    def wait_ready(self, timeout: float | None = None) -> bool:
        self.start()
        assert self._channel is not None
        return self._channel.ready.wait(timeout)

    def close(self) -> None:
        self._open = None
        if self._channel is not None:
            self._channel.kill()
            self._channel = None

    # -- the provider interface --------------------------------------------------------

    def stream_chat(self, request: ProviderRequest) -> Iterator[Event]:
        channel = self._prepare()
        rid = next(self._ids)
        self._open = (channel, rid)
        channel.send(("stream", rid, request))
        return self._events(channel, rid)

    def _events(self, channel: _Channel, rid: int) -> Iterator[Event]:
        finished = False
        try:
            while True:
                tag, payload = channel.receive(rid)
                if tag == "started":
                    continue
                if tag == "event":
                    if isinstance(payload, StreamResult):
                        finished = True
                        self._open = None
                    yield payload
                    if finished:
                        return
                    continue
                finished = True
                self._open = None
                raise self._failure(channel, tag, payload)
        finally:
            if not finished:
                self.settle()

    def estimate_usage(self, model: str, messages: list[dict[str, Any]], answer: str) -> RequestUsage:
        """litellm's token count from the worker; a rough local count when it is not ready."""
        from appam_cli.providers.usage import rough_tokens, rough_tokens_of_messages

        rough = RequestUsage(
            input_tokens=rough_tokens_of_messages(messages), output_tokens=rough_tokens(answer), estimated=True
        )
        self.settle()
        channel = self._channel
        if channel is None or channel.dead or not channel.ready.is_set():
            return rough
        rid = next(self._ids)
        channel.send(("estimate", rid, (model, messages, answer)))
        try:
            tag, payload = channel.receive(rid, timeout=ESTIMATE_WAIT)
        except queue.Empty:
            return rough
        return payload if tag == "result" and payload is not None else rough

    # -- internals ---------------------------------------------------------------------

    def _prepare(self) -> _Channel:
        self.settle()
        self.start()
        assert self._channel is not None
        return self._channel

    def settle(self) -> None:
        """Cancel the open request, if any, and wait until the worker has let go of it."""
        opened, self._open = self._open, None
        if opened is None:
            return
        channel, rid = opened
        if channel.dead:
            return
        if rid not in channel.started:  # still loading, the request not begun: start afresh
            self._replace(channel)
            return
        try:
            os.kill(channel.proc.pid, signal.SIGINT)
            while True:
                tag, payload = channel.receive(rid, timeout=CANCEL_WAIT)
                if tag in TERMINAL_TAGS or tag == "eof" or (tag == "event" and isinstance(payload, StreamResult)):
                    return
        except (queue.Empty, KeyboardInterrupt, OSError):
            self._replace(channel)

    def _replace(self, channel: _Channel) -> None:
        channel.kill()
        with self._lock:
            if self._channel is channel:
                self._channel = None
        self.start()  # the next request should not wait for a whole import again

    def _failure(self, channel: _Channel, tag: str, payload: Any) -> AppamError:
        if tag == "error":
            message, kind, status, exit_code = payload
            if kind is None:
                return AppamError(message, exit_code=exit_code)
            return ProviderError(message, kind=kind, status=status)
        if tag == "interrupted":
            return ProviderError("the request was cancelled", kind="provider")
        detail = payload if tag == "crash" else channel.crash
        if detail and self.debug:
            sys.stderr.write(detail)
        last = (detail or "").strip().splitlines()[-1:] or ["it exited"]
        from appam_cli.providers.errors import scrub

        return ProviderError(f"the provider worker stopped unexpectedly ({scrub(last[0])})", kind="provider")
