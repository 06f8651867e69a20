"""A process that keeps litellm loaded and serves provider requests over a pipe.

Why: ``import litellm`` takes 3-4 s and holds the GIL in bursts of 100 ms and
more. Done in a thread of the chat REPL it makes typing stutter; done in this
separate process (another core, another GIL) it does not. The chat starts it
once its prompt is on screen (``providers.remote.ProviderWorker``); by the time
the first message is typed, litellm is loaded here.

    python -m appam_cli.providers.worker      # stdin/stdout are the pipe, nothing else

Protocol: frames of a 4-byte big-endian length and a pickle, both ways (the
peer is our own parent, on private pipes). The parent sends
``(kind, rid, payload)``: ``("stream", rid, ProviderRequest)`` or
``("estimate", rid, (model, messages, answer))`` or ``("warm", None, model)``. We
send ``(rid, tag, payload)``:
``"ready"`` once litellm is loaded (rid None); for a stream ``"started"``, then
one ``"event"`` per provider event, and it ends with either an ``"event"``
holding the StreamResult, ``"error"`` ``(message, kind, status, exit_code)``,
``"interrupted"`` or ``"crash"`` (a traceback); for an estimate ``"result"``.

SIGINT from the parent cancels the stream being served (the answer stops, the
connection closes); it is ignored at any other moment, and never splits a frame.
The worker exits when its stdin closes or its parent is gone.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appam_cli.providers.events import ProviderRequest

HEADER = struct.Struct(">I")
TERMINAL_TAGS = ("error", "interrupted", "crash")


def encode(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class FrameReader:
    """Reads whole frames from a file descriptor (blocking); ``read()`` is None at EOF."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = bytearray()

    def read(self) -> Any:
        header = self._take(HEADER.size)
        if header is None:
            return None
        body = self._take(HEADER.unpack(header)[0])
        return None if body is None else pickle.loads(body)

    def _take(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            chunk = os.read(self.fd, max(65536, size - len(self._buffer)))
            if not chunk:
                return None
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


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
        self._pending, self._armed = False, True
        try:
            yield
        finally:
            self._armed = self._pending = False

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


class Server:
    def __init__(self, in_fd: int, out_fd: int) -> None:
        self.reader = FrameReader(in_fd)
        self.out_fd = out_fd
        self.interrupts = Interrupts()

    def send(self, rid: Any, tag: str, payload: Any = None) -> None:
        write_all(self.out_fd, encode((rid, tag, payload)))

    def serve(self) -> int:
        signal.signal(signal.SIGINT, self.interrupts.handler)
        try:
            from appam_cli.providers.loader import load_litellm

            load_litellm()
        except BaseException:
            self.send(None, "crash", traceback.format_exc())
            return 1
        self.send(None, "ready")
        while True:
            message = self.reader.read()
            if message is None:
                return 0
            kind, rid, payload = message
            if kind == "stream":
                self.stream(rid, payload)
            elif kind == "estimate":
                self.estimate(rid, *payload)
            elif kind == "warm":
                self.warm(payload)

    def stream(self, rid: Any, request: ProviderRequest) -> None:
        from appam_cli.errors import AppamError, ProviderError
        from appam_cli.providers.client import stream_chat
        from appam_cli.providers.events import StreamResult

        self.send(rid, "started")
        events = None
        end: tuple[str, Any] | None = None
        try:
            with self.interrupts.armed():
                events = stream_chat(request)
                for event in events:
                    with self.interrupts.held():
                        self.send(rid, "event", event)
                    if isinstance(event, StreamResult):
                        return
                end = ("error", ("the provider stream ended without a result", "provider", None, None))
        except KeyboardInterrupt:
            end = ("interrupted", None)
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
                except Exception:
                    pass
        if end is not None:
            self.send(rid, *end)

    def warm(self, model: str) -> None:
        """Run the code path of a first request to ``model`` once, against a local port that
        refuses connections: litellm imports its provider SDK (openai: ~500 modules, 0.5 s)
        on the first call, and that should not delay the user's first answer."""
        import socket

        from appam_cli.datamodel.options import RequestOptions
        from appam_cli.providers.client import stream_chat
        from appam_cli.providers.events import ProviderRequest

        closed = socket.socket()
        try:
            closed.bind(("127.0.0.1", 0))  # bound, never listening: a connection is refused at once
            port = closed.getsockname()[1]
            options = RequestOptions(model=model, api_base=f"http://127.0.0.1:{port}", retries=0, timeout=2.0)
            request = ProviderRequest(messages=[{"role": "user", "content": "."}], options=options)
            for _ in stream_chat(request):
                pass
        except Exception:
            pass  # expected: the connection is refused
        finally:
            closed.close()

    def estimate(self, rid: Any, model: str, messages: list, answer: str) -> None:
        from appam_cli.providers.usage import estimate_usage

        try:
            result = estimate_usage(model, messages, answer)
        except Exception:
            result = None
        self.send(rid, "result", result)


def exit_with_parent(interval: float = 0.25) -> None:
    """Exit as soon as the parent is gone (killed, or its terminal closed): this process
    runs in a session of its own, so no signal from the terminal reaches it, and while it
    imports litellm it does not read the pipe that would tell it."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="appam-worker-parent", daemon=True).start()


def main() -> int:
    exit_with_parent()
    # The pipe gets private descriptors; stray prints (from litellm or its SDKs) go to stderr.
    in_fd, out_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        os.nice(5)  # the importing burst must not compete with the terminal on a busy machine
    except (AttributeError, OSError):
        pass
    try:
        return Server(in_fd, out_fd).serve()
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    sys.exit(main())
