"""MCP servers at the Toolbox level: tests/mcp_server.py started over stdio and reached over
streamable HTTP, listed, called through their ToolSpecs (the name the provider sends mapped back),
and every way a server fails: not starting, dying mid-run, too slow, a header variable unset. Each
failure is one line and the run goes on; no server process outlives the run, also when it is
interrupted (Ctrl-C) or killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mcp_helpers import SERVER, TOOLS, HttpServer, alive, pids, wait_until

from appam_cli.tools.mcp.config import parse_mcp
from appam_cli.tools.mcp.servers import McpServers
from appam_cli.tools.spec import ToolContext, ToolError, ToolUnavailable
from appam_cli.tools.toolbox import Toolbox

pytestmark = pytest.mark.e2e  # every test starts an MCP server process

CONTEXT = ToolContext(cwd=Path("."), timeout=60.0)
TOKEN = "t0ken-from-the-environment"


def stdio(**keys) -> dict:
    env = keys.pop("env", {})
    return {"command": sys.executable, "args": [str(SERVER)], "env": env, **keys}


def start(servers: dict, log_dir: Path | None, warnings: list[str]) -> McpServers:
    configs = parse_mcp({"servers": servers}, "config.toml")
    hub = McpServers(configs, warnings.append, log_dir)
    hub.start(configs)
    return hub


def toolbox(hub: McpServers, *names: str) -> Toolbox:
    box = Toolbox([spec for name in names for spec in hub.specs(name)])
    box.on_close(hub.close)
    return box


def call(box: Toolbox, wire: str, arguments: dict, context: ToolContext = CONTEXT) -> str:
    spec = box.find(wire)
    assert spec is not None, wire
    if spec.validate is not None:
        arguments = spec.validate(arguments)
    return spec.run(arguments, context)


@pytest.fixture(scope="module")
def http_server(tmp_path_factory) -> HttpServer:
    with HttpServer(tmp_path_factory.mktemp("mcp-http") / "server.log") as server:
        yield server


@pytest.fixture(scope="module")
def shared(tmp_path_factory, http_server):
    """One stdio and one HTTP server for the tests that leave them running."""
    folder = tmp_path_factory.mktemp("mcp-shared")
    warnings: list[str] = []
    os.environ["APPAM_TEST_MCP_TOKEN"] = TOKEN
    try:
        hub = start(
            {
                "t": stdio(env={"MCP_TEST_PIDFILE": str(folder / "pids"), "GIVEN_TOKEN": "${APPAM_TEST_MCP_TOKEN}"}),
                "h": {
                    "url": http_server.url,
                    "headers": {"Authorization": "Bearer ${APPAM_TEST_MCP_TOKEN}", "X-Price": "$$5"},
                },
            },
            folder,
            warnings,
        )
    finally:
        del os.environ["APPAM_TEST_MCP_TOKEN"]
    box = toolbox(hub, "t", "h")
    yield box, hub, warnings, folder
    box.close()
    assert not [pid for pid in pids(folder / "pids") if alive(pid)]


def test_tools_are_listed_with_their_server_names_and_annotations(shared):
    box, hub, warnings, _ = shared
    assert warnings == []
    assert sorted(spec.name for spec in hub.specs("t")) == [f"t.{name}" for name in TOOLS]
    assert sorted(spec.name for spec in hub.specs("h")) == [f"h.{name}" for name in TOOLS]
    by_name = {spec.name: spec for spec in box.specs}
    assert by_name["t.add"].side_effects is False  # readOnlyHint: true
    assert by_name["t.echo"].side_effects is True  # no annotations: may have side effects
    assert by_name["t.echo"].description == "Say the text back."
    assert by_name["t.echo"].parameters["required"] == ["text"]
    assert by_name["h.add"].source == "mcp: h"


@pytest.mark.parametrize("server", ["t", "h"], ids=["stdio", "http"])
def test_calls_reach_the_server_and_its_content_comes_back_as_text(shared, server):
    box = shared[0]
    assert call(box, f"{server}__echo", {"text": "hello ✓"}) == "hello ✓"
    assert call(box, f"{server}__add", {"a": 2, "b": 40}) == "42"
    assert call(box, f"{server}__picture", {}) == "a red pixel\n[image: image/png, 66 bytes]"


def test_a_dotted_tool_name_is_mapped_to_the_wire_and_back(shared):
    box = shared[0]
    spec = box.find("t__dotted__name")
    assert spec is not None and spec.name == "t.dotted.name"
    assert call(box, "t__dotted__name", {}) == "dotted"  # the server was asked for "dotted.name"


def test_a_tool_error_is_an_error_result_and_the_server_goes_on(shared):
    box, _, warnings, _ = shared
    with pytest.raises(ToolError) as caught:
        call(box, "t__fail", {"message": "the disk is full"})
    assert not isinstance(caught.value, ToolUnavailable)
    assert "the disk is full" in caught.value.message
    assert call(box, "t__echo", {"text": "still here"}) == "still here"
    assert warnings == []


def test_arguments_are_checked_before_the_call_and_the_server_checks_them_too(shared):
    box = shared[0]
    with pytest.raises(ToolError, match="text: 5 is not of type 'string'"):
        call(box, "t__echo", {"text": 5})
    spec = box.find("t__echo")
    with pytest.raises(ToolError) as caught:  # unchecked: the server's own refusal is the result
        spec.run({"text": 5}, CONTEXT)
    assert "Input should be a valid string" in caught.value.message


def test_a_stdio_server_gets_only_the_variables_it_is_given(shared):
    box = shared[0]
    assert call(box, "t__getenv", {"name": "GIVEN_TOKEN"}) == TOKEN  # env = { GIVEN_TOKEN = "${...}" }
    assert call(box, "t__getenv", {"name": "APPAM_TEST_MCP_TOKEN"}) == "<unset>"  # not inherited
    assert call(box, "t__getenv", {"name": "PATH"}) == os.environ["PATH"]


def test_headers_are_read_from_the_environment_when_the_server_starts(shared):
    seen = json.loads(call(shared[0], "h__headers", {}))
    assert seen["authorization"] == f"Bearer {TOKEN}"
    assert seen["x-price"] == "$5"


def test_a_stdio_server_stderr_goes_to_its_log_not_the_screen(tmp_path, capfd):
    """A private log per server, appended to by each run, started afresh once it is past 1 MB."""
    (tmp_path / "mcp").mkdir()
    (tmp_path / "mcp" / "old.log").write_text("OLD RUN\n" * 200_000)
    warnings: list[str] = []
    hub = start(
        {
            # Also a line on stdout that is not JSON-RPC (careless servers print banners): skipped, quietly.
            "noisy": stdio(env={"MCP_TEST_STDERR": "NOISE-FROM-THE-SERVER", "MCP_TEST_BANNER": "listening \x1b[31m"}),
            "old": stdio(env={"MCP_TEST_STDERR": "NEW RUN"}),
        },
        tmp_path,
        warnings,
    )
    try:
        assert call(toolbox(hub, "noisy"), "noisy__echo", {"text": "x"}) == "x"
    finally:
        hub.close()
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # neither its stderr nor the SDK's complaint about its stdout
    log = tmp_path / "mcp" / "noisy.log"
    assert "NOISE-FROM-THE-SERVER" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
    old = (tmp_path / "mcp" / "old.log").read_text()
    assert "OLD RUN" not in old and "NEW RUN" in old
    assert warnings == []


# A program that never speaks MCP: it writes its pid, then sleeps.
MUTE = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\n'); time.sleep(120)"


def test_servers_that_fail_to_start_are_one_line_each_and_the_others_run(tmp_path):
    warnings: list[str] = []
    hub = start(
        {
            "missing": {"command": str(tmp_path / "no-such-program")},
            "quits": stdio(env={"MCP_TEST_START_FAIL": "cannot open the database"}),
            "mute": {"command": sys.executable, "args": ["-c", MUTE, str(tmp_path / "pids")], "startup_timeout": 1},
            "nobody": {"url": "http://127.0.0.1:9/mcp"},
            "good": stdio(),
        },
        tmp_path,
        warnings,
    )
    try:
        assert sorted(warnings) == [
            f"MCP server 'missing' did not start: command '{tmp_path / 'no-such-program'}' not found; going on without it",
            f"MCP server 'mute' did not start within 1 s (log: {tmp_path / 'mcp' / 'mute.log'}); going on without it",
            "MCP server 'nobody' did not start: cannot reach http://127.0.0.1:9/mcp: All connection attempts failed; "
            "going on without it",
            "MCP server 'quits' did not start: it exited (its last stderr line: cannot open the database; "
            f"log: {tmp_path / 'mcp' / 'quits.log'}); going on without it",
        ]
        for name in ("missing", "quits", "mute", "nobody"):
            assert hub.specs(name) == [] and hub.failure(name)
        assert call(toolbox(hub, "good"), "good__echo", {"text": "ok"}) == "ok"
    finally:
        hub.close()
    [mute] = pids(tmp_path / "pids")
    assert not alive(mute)  # stopped when it did not answer in time


def test_an_unset_header_variable_is_named_and_nothing_is_sent(tmp_path, http_server):
    warnings: list[str] = []
    hub = start(
        {"h": {"url": http_server.url, "headers": {"Authorization": "Bearer ${APPAM_TEST_UNSET_TOKEN}"}}},
        tmp_path,
        warnings,
    )
    hub.close()
    assert warnings == [
        "MCP server 'h' did not start: headers.Authorization uses ${APPAM_TEST_UNSET_TOKEN}, which is not set; "
        "going on without it"
    ]


def test_a_server_that_dies_mid_run_is_one_line_and_its_tools_are_unavailable(tmp_path):
    warnings: list[str] = []
    hub = start({"t": stdio(env={"MCP_TEST_PIDFILE": str(tmp_path / "pids")})}, tmp_path, warnings)
    box = toolbox(hub, "t")
    try:
        assert call(box, "t__echo", {"text": "before"}) == "before"
        with pytest.raises(ToolUnavailable) as caught:
            call(box, "t__die", {})
        assert caught.value.message == "MCP server 't' exited mid-run"
        assert warnings == [
            "MCP server 't' exited mid-run (its last stderr line: test server: dying on request; "
            f"log: {tmp_path / 'mcp' / 't.log'}); going on without it"
        ]
        with pytest.raises(ToolUnavailable, match="exited mid-run"):
            call(box, "t__echo", {"text": "after"})
        assert len(warnings) == 1  # said once
    finally:
        box.close()
    assert not [pid for pid in pids(tmp_path / "pids") if alive(pid)]


def test_an_http_server_that_dies_mid_run_is_one_line(tmp_path):
    warnings: list[str] = []
    with HttpServer(tmp_path / "server.log") as server:
        hub = start({"h": {"url": server.url}}, tmp_path, warnings)
        box = toolbox(hub, "h")
        try:
            with pytest.raises(ToolUnavailable):
                call(box, "h__die", {})
            with pytest.raises(ToolUnavailable):
                call(box, "h__echo", {"text": "after"})
        finally:
            box.close()
    assert len(warnings) == 1 and warnings[0].startswith("MCP server 'h' stopped answering mid-run"), warnings


def test_a_call_that_times_out_takes_the_server_down_and_stops_it(tmp_path):
    warnings: list[str] = []
    hub = start({"slow": stdio(env={"MCP_TEST_PIDFILE": str(tmp_path / "pids")}, timeout=1)}, tmp_path, warnings)
    box = toolbox(hub, "slow")
    try:
        with pytest.raises(ToolUnavailable) as caught:
            call(box, "slow__sleep", {"seconds": 120})
        assert caught.value.message == "MCP server 'slow' did not answer sleep within 1 s"
        assert warnings == [
            "MCP server 'slow' did not answer sleep within 1 s "
            f"(log: {tmp_path / 'mcp' / 'slow.log'}); going on without it"
        ]
        with pytest.raises(ToolUnavailable):
            call(box, "slow__echo", {"text": "after"})
    finally:
        box.close()
    [pid] = pids(tmp_path / "pids")
    assert not alive(pid)


def test_the_run_tool_timeout_bounds_a_server_without_its_own(tmp_path):
    warnings: list[str] = []
    hub = start({"slow": stdio()}, tmp_path, warnings)
    box = toolbox(hub, "slow")
    try:
        with pytest.raises(ToolUnavailable, match="did not answer sleep within 1.8 s"):
            call(box, "slow__sleep", {"seconds": 120}, ToolContext(cwd=Path("."), timeout=2.0))
    finally:
        box.close()


def test_servers_start_in_parallel_and_closing_the_toolbox_shuts_every_one_down(tmp_path):
    warnings: list[str] = []
    pidfile = tmp_path / "pids"
    # Each server waits for the other before it answers: started one after the other, the first
    # would time out.
    env = {"MCP_TEST_PIDFILE": str(pidfile), "MCP_TEST_BARRIER": str(tmp_path / "barrier"), "MCP_TEST_BARRIER_COUNT": "2"}
    hub = start(
        {"a": stdio(env=env, startup_timeout=50), "b": stdio(env=env, startup_timeout=50)},
        tmp_path,
        warnings,
    )
    box = toolbox(hub, "a", "b")
    assert call(box, "a__echo", {"text": "x"}) == "x" and call(box, "b__echo", {"text": "y"}) == "y"
    started = pids(pidfile)
    assert len(started) == 2 and all(alive(pid) for pid in started)
    box.close()
    assert not [pid for pid in started if alive(pid)]
    box.close()  # twice is harmless
    with pytest.raises(ToolUnavailable):
        call(box, "a__echo", {"text": "after the end"})
    assert warnings == []


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from appam_cli.tools.mcp.config import parse_mcp
    from appam_cli.tools.mcp.servers import McpServers
    from appam_cli.tools.spec import ToolContext

    def terminated(signum, frame):
        raise KeyboardInterrupt("SIGTERM")  # what appam's command wrapper does (exit 143)

    import signal
    signal.signal(signal.SIGTERM, terminated)
    server, pidfile, ready, busy = sys.argv[1:5]
    configs = parse_mcp({"servers": {"t": {
        "command": sys.executable, "args": [server], "env": {"MCP_TEST_PIDFILE": pidfile}}}}, "config.toml")
    hub = McpServers(configs, print, None)
    hub.start(configs)
    try:
        [spec] = [s for s in hub.specs("t") if s.name == "t.sleep"]
        Path(ready).write_text("calling")
        if busy == "busy":
            spec.run({"seconds": 300}, ToolContext(cwd=Path("."), timeout=600))
        else:
            import time
            time.sleep(300)
    finally:
        hub.close()
        print("closed", flush=True)
    """
)


@pytest.mark.parametrize(
    "signum, busy",
    [(signal.SIGINT, "busy"), (signal.SIGTERM, "busy"), (signal.SIGKILL, "idle")],
    ids=["ctrl-c during a call", "sigterm during a call", "kill-9 between calls"],
)
def test_no_server_outlives_an_interrupted_or_killed_run(tmp_path, signum, busy):
    """Ctrl-C or SIGTERM (appam turns it into an exception, as here) during a call: the run closes
    its servers on the way out. kill -9: nothing of ours runs, but the server sees its stdin close
    and exits (as the SDK's servers do when no call of theirs is still running)."""
    pidfile, ready = tmp_path / "pids", tmp_path / "ready"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(SERVER), str(pidfile), str(ready), busy],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_until(ready.exists, 60), holder.stderr.read() if holder.poll() is not None else "not ready"
        [pid] = pids(pidfile)
        assert alive(pid)
        holder.send_signal(signum)
        out, err = holder.communicate(timeout=60)
        if signum != signal.SIGKILL:
            assert "closed" in out and "Interrupt" in err
        assert wait_until(lambda: not alive(pid), 20), f"the MCP server {pid} outlived the run"
    finally:
        if holder.poll() is None:
            holder.kill()
        for pid in pids(pidfile):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


STARTING = textwrap.dedent(
    """
    import sys
    from appam_cli.tools.mcp.config import parse_mcp
    from appam_cli.tools.mcp.servers import McpServers

    mute, pidfile = sys.argv[1:3]
    configs = parse_mcp({"servers": {"mute": {
        "command": sys.executable, "args": ["-c", mute, pidfile], "startup_timeout": 300}}}, "config.toml")
    hub = McpServers(configs, print, None)
    try:
        hub.start(configs)
    finally:
        print("closed", flush=True)
    """
)


def test_ctrl_c_while_a_server_starts_stops_it(tmp_path):
    pidfile = tmp_path / "pids"
    holder = subprocess.Popen(
        [sys.executable, "-c", STARTING, MUTE, str(pidfile)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_until(lambda: bool(pids(pidfile)) or holder.poll() is not None, 60), "the server never started"
        [pid] = pids(pidfile)
        holder.send_signal(signal.SIGINT)
        out, err = holder.communicate(timeout=60)
        assert "closed" in out and "KeyboardInterrupt" in err
        assert wait_until(lambda: not alive(pid), 20), "the starting MCP server outlived the run"
    finally:
        if holder.poll() is None:
            holder.kill()
        for pid in pids(pidfile):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
