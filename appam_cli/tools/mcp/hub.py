"""The MCP sessions of one run, kept open on an asyncio loop in a background thread.

The SDK is async and the agent's loop is synchronous: a Hub owns one event loop in a daemon
thread; each server is one task there that opens the transport (a stdio subprocess, or streamable
HTTP) and a ``ClientSession``, initializes it, lists the tools, then waits until the run ends,
so every context the SDK opens is closed by the task that opened it. The agent's thread calls a
tool through ``Connection.call``, which waits for the answer with a timeout.

A server that fails to start, dies, or lets a call time out is *down* for the rest of the run: one
line says why (through the ``warn`` callable), and its calls raise ToolUnavailable. A stdio
server's stderr goes to ``<log dir>/mcp/NAME.log`` (never to the screen); a failure line quotes its
last line.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import IO, Any

from appam_cli.tools.mcp.config import McpServerConfig, MissingVariable, expand
from appam_cli.tools.spec import ToolError, ToolUnavailable

# The SDK and its HTTP client log through `logging`; with no handler, Python would print their
# warnings on stderr, over the live view. The failure lines say what matters.
for _name in ("mcp", "httpx2", "httpx"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

CLOSE_GRACE = 8.0  # seconds for the servers to shut down at the end of a run (the SDK's own waits are 2 s each)
_STDERR_LINE_LIMIT = 200
LOG_LIMIT = 1_000_000  # bytes of a server's stderr log kept across runs


class _Loop:
    """An asyncio loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="appam-mcp", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call_soon(self, callback: Callable[[], Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed already
            self.loop.call_soon_threadsafe(callback)

    def stop(self, timeout: float) -> None:
        self.call_soon(self.loop.stop)
        self._thread.join(timeout)


def printable(text: str) -> str:
    """A server's text (a line of its stderr, a tool name) made one safe terminal line: control
    characters shown as '?', cut to 200 characters."""
    text = "".join("?" if (ord(ch) < 32 or 127 <= ord(ch) < 160) else ch for ch in text.strip())
    return text if len(text) <= _STDERR_LINE_LIMIT else text[: _STDERR_LINE_LIMIT - 1] + "…"


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


class Connection:
    """One server: its session while it runs, its tools, and why it is down when it is."""

    def __init__(self, config: McpServerConfig, loop: _Loop, log_dir: Path | None, warn: Callable[[str], None]):
        self.config = config
        self.name = config.name
        self.tools: list[Any] = []  # mcp.types.Tool, as listed at start
        self.failure: str | None = None  # why it is down
        self._lost: str | None = None  # why its session ended by itself mid-run (seen by the loop's thread)
        self.closing = False  # the run is ending: a call cut short by the shutdown is no failure to report
        self._lock = threading.Lock()
        self._loop = loop
        self._warn = warn
        self._session: Any = None
        self._ready = threading.Event()  # started, or failed to
        self._done = threading.Event()  # its task has ended, the server is shut down
        self._stop: asyncio.Event | None = None  # set (in the loop) to end the session
        self._stop_requested = threading.Event()  # the same, asked from any thread, even before _serve runs
        self._started = False  # _serve has begun (a task cancelled before that would never run its finally)
        self._task: concurrent.futures.Future[Any] | None = None
        self.log_path = log_dir / "mcp" / f"{config.name}.log" if log_dir is not None and config.command else None
        self._log_offset = 0

    # -- life cycle (the loop's thread) ------------------------------------------------

    def start(self) -> None:
        self._task = self._loop.submit(self._serve())

    async def _serve(self) -> None:
        import anyio

        self._started = True
        self._stop = asyncio.Event()
        if self._stop_requested.is_set():  # the run ended before this server began to start
            self._ready.set()
            self._done.set()
            return
        try:
            async with contextlib.AsyncExitStack() as stack:
                streams = await self._open(stack)
                from mcp import ClientSession
                from mcp.types import Implementation

                from appam_cli import __version__

                session = await stack.enter_async_context(
                    ClientSession(*streams, client_info=Implementation(name="appam", version=__version__))
                )
                with anyio.fail_after(self.config.startup_timeout):
                    await session.initialize()
                    self.tools = await self._list_tools(session)
                self._session = session
                self._ready.set()
                await self._stop.wait()
        except BaseException as exc:  # noqa: B036 - the task ends either way; why is kept for the failure line
            if not self._ready.is_set():
                self.failure = self.failure or self._startup_failure(exc)
            elif self._stop is not None and not self._stop.is_set():
                self._lost = self._why(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._session = None
            self._ready.set()
            self._done.set()

    async def _open(self, stack: contextlib.AsyncExitStack) -> tuple[Any, Any]:
        config = self.config
        if config.url:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            headers = {key: self._expand(value, f"headers.{key}") for key, value in config.headers.items()}
            # The SDK's own defaults: 30 s to connect or send, 300 s to read a (held-open) stream.
            client = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
            await stack.enter_async_context(client)
            return await stack.enter_async_context(streamable_http_client(config.url, http_client=client))
        from mcp.client.stdio import StdioServerParameters, stdio_client

        env = {key: self._expand(value, f"env.{key}") for key, value in config.env.items()}
        params = StdioServerParameters(command=config.command or "", args=list(config.args), env=env)
        errlog = stack.enter_context(self._open_log())
        return await stack.enter_async_context(stdio_client(params, errlog=errlog))

    def _expand(self, value: str, key: str) -> str:
        try:
            return expand(value)
        except MissingVariable as exc:
            raise _StartFailure(f"{key} uses ${{{exc.variable}}}, which is not set") from None

    @contextlib.contextmanager
    def _open_log(self) -> Any:
        """Where the server's stderr goes: its log file (appended to), or nowhere."""
        import os
        import time

        if self.log_path is None:
            with open(os.devnull, "w") as devnull:
                yield devnull
            return
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            # Private (a server may print what it was given); started afresh once it grows past LOG_LIMIT.
            big = self.log_path.exists() and self.log_path.stat().st_size > LOG_LIMIT
            flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if big else os.O_APPEND)
            log: IO[str] = os.fdopen(os.open(self.log_path, flags, 0o600), "a", encoding="utf-8")
        except OSError:
            self.log_path = None
            with open(os.devnull, "w") as devnull:
                yield devnull
            return
        with log:
            when = time.strftime("%Y-%m-%d %H:%M:%S")
            log.write(f"--- appam (pid {os.getpid()}) started {self.config.target} at {when}\n")
            log.flush()
            self._log_offset = log.tell()
            yield log

    async def _list_tools(self, session: Any) -> list[Any]:
        from mcp.types import PaginatedRequestParams

        tools: list[Any] = []
        cursor: str | None = None
        for _ in range(100):  # a server that pages forever is cut short
            page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    def request_stop(self) -> None:
        self._stop_requested.set()
        stop = self._stop
        if stop is not None:
            self._loop.call_soon(stop.set)

    def cancel(self) -> None:
        """Cut its start or session short (the SDK still stops the process); a task that has not
        begun is left to see the stop request instead."""
        if self._task is not None and self._started:
            self._task.cancel()

    # -- what went wrong ----------------------------------------------------------------

    def stderr_tail(self) -> str | None:
        """The last line the server wrote on stderr in this run, if any."""
        if self.log_path is None:
            return None
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(self._log_offset)
                lines = fh.read()[-8192:].decode("utf-8", "replace").splitlines()
        except OSError:
            return None
        lines = [line for line in lines if line.strip()]
        return printable(lines[-1]) if lines else None

    def _stderr_note(self) -> str:
        parts = []
        tail = self.stderr_tail()
        if tail:
            parts.append(f"its last stderr line: {tail}")
        if self.log_path is not None:
            parts.append(f"log: {self.log_path}")
        return f" ({'; '.join(parts)})" if parts else ""

    def _startup_failure(self, exc: BaseException) -> str:
        """Why the server did not start, for its warning line (with its stderr's last line)."""
        for leaf in _leaves(exc):
            if isinstance(leaf, _StartFailure):
                return f"did not start: {leaf}"
            if isinstance(leaf, FileNotFoundError) and self.config.command:
                return f"did not start: command {self.config.command!r} not found"
            if isinstance(leaf, PermissionError) and self.config.command:
                return f"did not start: command {self.config.command!r} cannot be run (permission denied)"
            if isinstance(leaf, TimeoutError):
                return f"did not start within {self.config.startup_timeout:g} s{self._stderr_note()}"
        if self.config.url:
            return f"did not start: cannot reach {self.config.url}: {self._why(exc)}"
        return f"did not start: {self._why(exc)}{self._stderr_note()}"

    def _why(self, exc: BaseException) -> str:
        """What ended the connection, in a few words (no stderr: see _stderr_note)."""
        leaves = [leaf for leaf in _leaves(exc) if not isinstance(leaf, asyncio.CancelledError)] or [exc]
        leaf = leaves[0]
        if self.config.command and _is_closed(leaf):
            return "it exited"
        return printable(getattr(leaf, "message", None) or str(leaf) or type(leaf).__name__)

    def _go_down(self, why: str) -> ToolUnavailable:
        """Mark the server down (one warning line, with the last line of its stderr), stop it, and
        what its calls raise from now on."""
        with self._lock:
            first = self.failure is None and not self.closing
            if self.failure is None:
                self.failure = why if not self.closing else "was shut down (the run ended)"
        if first:
            self._warn(f"MCP server {self.name!r} {why}{self._stderr_note()}; going on without it")
        self.request_stop()
        return self.unavailable()

    def unavailable(self) -> ToolUnavailable:
        return ToolUnavailable(f"MCP server {self.name!r} {self.failure}")

    # -- calls (the agent's thread) ------------------------------------------------------

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def wait_done(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    @property
    def running(self) -> bool:
        return self._session is not None and self.failure is None

    def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> Any:
        """The server's CallToolResult; ToolUnavailable when the server is (or goes) down, ToolError
        for an error the server answered with."""
        session = self._session
        if self.failure is not None:
            raise self.unavailable()
        if session is None or self._lost is not None:
            raise self._go_down(_lost_words(self._lost))
        future = self._loop.submit(session.call_tool(tool, arguments))
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            if future.done():  # the SDK's own timeout, not ours
                raise ToolError(f"{tool} timed out") from None
            future.cancel()
            raise self._go_down(f"did not answer {tool} within {timeout:g} s") from None
        except concurrent.futures.CancelledError:
            raise self._go_down("was stopped") from None
        except BaseException as exc:
            if not isinstance(exc, Exception):  # Ctrl-C, SIGTERM: the call is abandoned
                future.cancel()
                raise
            if _is_closed(exc):
                raise self._go_down(_lost_words(self._why(exc))) from None
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise ToolError(message) from None  # for the model: its own text


def _lost_words(why: str | None) -> str:
    if why == "it exited":
        return "exited mid-run"
    return f"stopped answering mid-run ({why or 'its session ended'})"


class _StartFailure(Exception):
    pass


def _is_closed(exc: BaseException) -> bool:
    """The connection to the server is gone (its process exited, its HTTP stream ended)."""
    from mcp.shared.exceptions import MCPError
    from mcp.types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


class Hub:
    """The MCP servers of one run: started together, shut down together."""

    def __init__(self, warn: Callable[[str], None], log_dir: Path | None) -> None:
        self._warn = warn
        self._log_dir = log_dir
        self._loop: _Loop | None = None
        self.connections: dict[str, Connection] = {}
        self._closed = False

    def start(self, configs: Sequence[McpServerConfig]) -> dict[str, Connection]:
        """Start the servers in parallel and wait for each to list its tools (or fail: one line
        each). Those that run are returned by name."""
        new = [config for config in configs if config.name not in self.connections]
        if not new:
            return self.running()
        if self._loop is None:
            self._loop = _Loop()
            atexit.register(self.close)
        started = []
        try:
            for config in new:
                connection = Connection(config, self._loop, self._log_dir, self._warn)
                self.connections[config.name] = connection
                connection.start()
                started.append(connection)
            for connection in started:
                # The task enforces startup_timeout itself; this margin only guards against a hang in it.
                if not connection.wait_ready(connection.config.startup_timeout + CLOSE_GRACE):
                    connection.failure = f"did not start within {connection.config.startup_timeout:g} s"
                    connection.cancel()
        except BaseException:
            self.close()
            raise
        for connection in started:
            if connection.failure is not None:
                self._warn(f"MCP server {connection.name!r} {connection.failure}; going on without it")
        return self.running()

    def running(self) -> dict[str, Connection]:
        return {name: c for name, c in self.connections.items() if c.failure is None}

    def close(self) -> None:
        """Shut every server down (stdin closed, then SIGTERM and SIGKILL to its process group, as
        the SDK does) and stop the loop. Idempotent."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        loop = self._loop
        if loop is None:
            return
        connections = list(self.connections.values())
        for connection in connections:
            connection.closing = True
        for connection in connections:
            connection.request_stop()
            if not connection.wait_ready(0):
                connection.cancel()  # still starting: cancelled, the SDK still stops the process
        import time

        deadline = time.monotonic() + CLOSE_GRACE
        for connection in connections:
            if not connection.wait_done(max(0.0, deadline - time.monotonic())):
                connection.cancel()
        for connection in connections:
            connection.wait_done(max(0.5, deadline - time.monotonic()))
        loop.stop(timeout=2.0)
