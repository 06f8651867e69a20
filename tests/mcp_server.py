"""An MCP server for the tests, written with the official SDK (mcp 2: ``MCPServer``, FastMCP's new name).

``python tests/mcp_server.py`` serves it over stdio; ``python tests/mcp_server.py --http PORT`` over
streamable HTTP on 127.0.0.1:PORT (path ``/mcp``). Its tools:

- ``echo(text)``: the text back (side effects: unknown, as it has no annotations);
- ``add(a, b)``: the sum, annotated read-only;
- ``fail(message)``: raises, so the result comes back with ``isError``;
- ``sleep(seconds)``: sleeps, then answers ``slept``;
- ``die()``: kills its own process (after a line on stderr), so the call never answers;
- ``picture()``: a text block and an image block;
- ``headers()``: the HTTP request headers it was sent, as JSON (``{}`` over stdio);
- ``dotted.name``: a tool whose name holds a dot, answers ``dotted``;
- ``getenv(name)``: the server's environment variable (``<unset>`` when it has none), read-only.

``MCP_TEST_STDERR``: a line written to stderr at start (it must not reach appam's screen).
``MCP_TEST_BANNER``: a line that is not JSON-RPC written to stdout at start (as careless servers do).
``MCP_TEST_START_FAIL``: exit 3 at once with that text on stderr (a server that fails to start).
``MCP_TEST_PIDFILE``: the server's process id is appended to that file (to check it was shut down).
``MCP_TEST_CALLS``: each call's tool name is appended to that file as the call starts.
``MCP_TEST_BARRIER`` (a file) and ``MCP_TEST_BARRIER_COUNT``: the server appends its pid to the file,
then waits (60 s at most) until that many servers have, before it serves: servers started one after
the other would never get past it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp.types import ToolAnnotations

# A 1x1 PNG.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

server = MCPServer("appam-test", log_level="WARNING")


def called(name: str) -> None:
    if os.environ.get("MCP_TEST_CALLS"):
        with open(os.environ["MCP_TEST_CALLS"], "a") as fh:
            fh.write(f"{name}\n")


@server.tool(description="Say the text back.")
def echo(text: str) -> str:
    called("echo")
    return text


@server.tool(description="Add two whole numbers.", annotations=ToolAnnotations(read_only_hint=True))
def add(a: int, b: int) -> int:
    called("add")
    return a + b


@server.tool(description="Always fails.")
def fail(message: str) -> str:
    called("fail")
    raise ToolError(message)


@server.tool(description="Sleep, then answer.")
def sleep(seconds: float) -> str:
    called("sleep")
    time.sleep(seconds)
    return "slept"


@server.tool(description="Kill this server.")
def die() -> str:
    called("die")
    print("test server: dying on request", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    return "unreachable"


@server.tool(description="A caption and a picture.", structured_output=False)
def picture() -> list[object]:
    called("picture")
    return ["a red pixel", Image(data=PIXEL, format="png")]


@server.tool(description="The HTTP headers of this request.", annotations=ToolAnnotations(read_only_hint=True))
def headers(ctx: Context) -> str:
    called("headers")
    seen = ctx.headers or {}
    return json.dumps({k.lower(): v for k, v in seen.items()}, sort_keys=True)


@server.tool(name="dotted.name", description="A tool with a dot in its name.")
def dotted() -> str:
    called("dotted")
    return "dotted"


@server.tool(description="An environment variable of the server.", annotations=ToolAnnotations(read_only_hint=True))
def getenv(name: str) -> str:
    called("getenv")
    return os.environ.get(name, "<unset>")


def main() -> None:
    if os.environ.get("MCP_TEST_PIDFILE"):
        with open(os.environ["MCP_TEST_PIDFILE"], "a") as fh:
            fh.write(f"{os.getpid()}\n")
    if os.environ.get("MCP_TEST_STDERR"):
        print(os.environ["MCP_TEST_STDERR"], file=sys.stderr, flush=True)
    if os.environ.get("MCP_TEST_BANNER"):
        print(os.environ["MCP_TEST_BANNER"], flush=True)
    if os.environ.get("MCP_TEST_BARRIER"):
        barrier, count = os.environ["MCP_TEST_BARRIER"], int(os.environ["MCP_TEST_BARRIER_COUNT"])
        with open(barrier, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        deadline = time.monotonic() + 60
        while len(open(barrier).read().split()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
    if os.environ.get("MCP_TEST_START_FAIL"):
        print(os.environ["MCP_TEST_START_FAIL"], file=sys.stderr, flush=True)
        sys.exit(3)
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()


if __name__ == "__main__":
    main()
