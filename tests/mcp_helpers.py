"""Helpers for the MCP tests: config tables for the test server (tests/mcp_server.py), the same
server over streamable HTTP on a loopback port, and whether a process is still alive."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

TESTS_DIR = Path(__file__).parent
SERVER = TESTS_DIR / "mcp_server.py"
TOOLS = ["add", "die", "dotted.name", "echo", "fail", "getenv", "headers", "picture", "sleep"]


def toml_value(value: object) -> str:
    """A TOML value for a string, number, list of strings or table of strings (JSON strings are TOML strings)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def server_table(name: str, **keys: object) -> str:
    """``[mcp.servers.NAME]`` with these keys."""
    lines = [f"[mcp.servers.{name}]"] + [f"{key} = {toml_value(value)}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def stdio_table(name: str, env: dict[str, str] | None = None, **keys: object) -> str:
    """A stdio server running tests/mcp_server.py with this interpreter."""
    return server_table(name, command=sys.executable, args=[str(SERVER)], env=env or {}, **keys)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def pids(path: Path) -> list[int]:
    try:
        return [int(line) for line in path.read_text().split()]
    except FileNotFoundError:
        return []


def wait_until(check, seconds: float = 20.0) -> bool:
    """Poll ``check()`` until it is true or ``seconds`` have passed (a bound, never a measurement)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HttpServer:
    """tests/mcp_server.py over streamable HTTP on 127.0.0.1 (``url``), as a subprocess."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> HttpServer:
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(SERVER), "--http", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            )

        def listening() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"the MCP HTTP test server exited: {self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return False
            return True

        assert wait_until(listening, 30), "the MCP HTTP test server did not listen"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)
