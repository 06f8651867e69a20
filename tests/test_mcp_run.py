"""MCP tools in `appam run` and `appam chat`: the loopback provider is scripted to call
``NAME__tool``, the call reaches tests/mcp_server.py (stdio or HTTP), the result is saved and sent
back; failures are one line and the run goes on; servers are gone when the command ends, also on
SIGTERM; a run that uses no MCP server never imports the SDK."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from conftest import APPAM
from import_report import run_appam
from mcp_helpers import TOOLS, HttpServer, alive, pids, server_table, stdio_table, wait_until
from provider_server import Reply
from sessions_store import only_session

pytestmark = pytest.mark.e2e  # MCP servers are processes


def tool_call(name: str, call_id: str = "c1", **arguments) -> dict:
    return {"name": name, "arguments": arguments, "id": call_id}


@pytest.fixture
def files(tmp_path):
    """Where the test server writes its pid and the calls it gets."""

    class Files:
        pids = tmp_path / "pids"
        calls = tmp_path / "calls"

        def env(self) -> dict[str, str]:
            return {"MCP_TEST_PIDFILE": str(self.pids), "MCP_TEST_CALLS": str(self.calls)}

        def called(self) -> list[str]:
            return self.calls.read_text().split() if self.calls.exists() else []

        def none_alive(self) -> bool:
            return not [pid for pid in pids(self.pids) if alive(pid)]

    return Files()


@pytest.fixture
def server_t(write_config, files):
    """``[mcp.servers.t]``: the stdio test server."""
    return write_config(stdio_table("t", env=files.env()))


def tools_sent(request) -> list[str]:
    return sorted(tool["function"]["name"] for tool in request.body.get("tools", []))


def test_run_calls_an_mcp_tool_and_the_result_goes_back(cli, provider, server_t, files):
    provider.enqueue(Reply(tool_calls=[tool_call("t__echo", text="hello from MCP")]), Reply("It said hello."))
    result = cli.run("-T", "t.echo", "--yes", "--verbose", "call echo")
    assert result.exit_code == 0, result.stderr
    assert "It said hello." in result.stdout
    assert result.appam_lines() == []
    assert "t.echo" in result.stderr and "t__echo" not in result.stderr  # the name users know
    first, second = provider.chat_requests
    assert tools_sent(first) == ["t__echo"]
    assert second.body["messages"][-1]["role"] == "tool"
    assert second.body["messages"][-1]["content"] == "hello from MCP"
    assert second.body["messages"][-1]["tool_call_id"] == "c1"
    session = only_session(cli.home)
    tool_message = session.messages[2]
    assert (tool_message.role, tool_message.content, tool_message.status) == ("tool", "hello from MCP", "completed")
    assert tool_message.name == "t__echo"  # as the provider knows it, for continue
    assert files.called() == ["echo"]
    assert files.none_alive()  # shut down when the run ended


def test_minus_T_server_enables_all_its_tools_and_a_dotted_name_maps_back(cli, provider, server_t, files):
    provider.enqueue(Reply(tool_calls=[tool_call("t__dotted__name")]), Reply("ok"))
    result = cli.run("-T", "t", "--yes", "all of them")
    assert result.exit_code == 0, result.stderr
    assert tools_sent(provider.chat_requests[0]) == sorted(f"t__{name.replace('.', '__')}" for name in TOOLS)
    assert provider.chat_requests[1].body["messages"][-1]["content"] == "dotted"
    assert files.called() == ["dotted"]


def test_a_read_only_tool_runs_unasked_and_a_side_effect_is_denied_without_a_terminal(cli, provider, server_t, files):
    provider.enqueue(
        Reply(tool_calls=[tool_call("t__add", "c1", a=2, b=3), tool_call("t__echo", "c2", text="x")]), Reply("done")
    )
    result = cli.run("-T", "t.add", "-T", "t.echo", "sum")
    assert result.exit_code == 0, result.stderr
    results = {m["tool_call_id"]: m["content"] for m in provider.chat_requests[1].body["messages"] if m["role"] == "tool"}
    assert results["c1"] == "5"
    assert results["c2"].startswith("not run: the user could not be asked")
    assert files.called() == ["add"]  # echo never reached the server
    assert any("t.echo: denied" in line and 'auto_approve = ["t.echo"]' in line for line in result.appam_lines())


def test_auto_approve_names_a_whole_server(cli, provider, write_config, files):
    write_config(stdio_table("t", env=files.env()) + '[tools]\nauto_approve = ["t"]\n')
    provider.enqueue(Reply(tool_calls=[tool_call("t__echo", text="approved")]), Reply("done"))
    result = cli.run("-T", "t.echo", "go")
    assert result.exit_code == 0, result.stderr
    assert files.called() == ["echo"]


def test_a_tool_error_is_the_models_to_read(cli, provider, server_t, files):
    provider.enqueue(Reply(tool_calls=[tool_call("t__fail", message="no such issue")]), Reply("it failed"))
    result = cli.run("-T", "t.fail", "--yes", "go")
    assert result.exit_code == 0, result.stderr
    content = provider.chat_requests[1].body["messages"][-1]["content"]
    assert content.startswith("error:") and "no such issue" in content
    assert result.appam_lines() == []


def test_arguments_against_the_schema_are_refused_before_the_call(cli, provider, server_t, files):
    provider.enqueue(Reply(tool_calls=[tool_call("t__add", a="two", b=3)]), Reply("oops"))
    result = cli.run("-T", "t.add", "go")
    assert result.exit_code == 0, result.stderr
    content = provider.chat_requests[1].body["messages"][-1]["content"]
    assert content == "error: invalid arguments: a: 'two' is not of type 'integer'; nothing was run"
    assert files.called() == []


def test_a_server_that_fails_to_start_is_one_line_and_the_run_goes_on(cli, provider, write_config, files, tmp_path):
    write_config(
        stdio_table("t", env=files.env())
        + server_table("broken", command=str(tmp_path / "missing-server"))
        + stdio_table("quits", env={"MCP_TEST_START_FAIL": "no database"})
    )
    provider.enqueue(Reply("answered without it"))
    result = cli.run("-T", "broken", "-T", "quits.echo", "-T", "t.add", "go")
    assert result.exit_code == 0, result.stderr
    assert "answered without it" in result.stdout
    lines = result.appam_lines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("appam: MCP server 'broken' did not start: command") and "not found" in lines[0]
    assert "MCP server 'quits' did not start: it exited (its last stderr line: no database; log: " in lines[1]
    assert str(cli.home / "mcp" / "quits.log") in lines[1]
    assert tools_sent(provider.chat_requests[0]) == ["t__add"]


def test_a_server_that_dies_mid_run_is_one_line_and_the_model_is_told(cli, provider, server_t, files):
    provider.enqueue(
        Reply(tool_calls=[tool_call("t__die")]),
        Reply(tool_calls=[tool_call("t__echo", "c2", text="still there?")]),
        Reply("the server is gone"),
    )
    result = cli.run("-T", "t", "--yes", "go")
    assert result.exit_code == 0, result.stderr
    assert "the server is gone" in result.stdout
    died = provider.chat_requests[1].body["messages"][-1]["content"]
    assert died == "error: t.die is unavailable: MCP server 't' exited mid-run"
    assert "t__echo" in tools_sent(provider.chat_requests[0])
    assert tools_sent(provider.chat_requests[1]) == []  # a dead server's tools are no longer offered
    assert provider.chat_requests[2].body["messages"][-1]["content"] == (
        "error: t.echo is unavailable: MCP server 't' exited mid-run"
    )
    [line] = result.appam_lines()
    assert line.startswith("appam: MCP server 't' exited mid-run (its last stderr line: test server: dying on request")
    session = only_session(cli.home)
    assert session.status == "completed"
    assert files.called() == ["die"] and files.none_alive()


def test_an_unknown_tool_of_a_server_is_one_line_with_close_matches(cli, provider, server_t, files):
    result = cli.run("-T", "t.ech", "go")
    line = result.error_line("unknown tool 't.ech'", "did you mean t.echo", code=1)
    assert "its tools: t.echo, t.add" in line
    assert provider.chat_requests == []  # nothing was sent
    assert files.none_alive()


def test_an_unknown_server_lists_the_configured_ones(cli, provider, server_t):
    line = cli.run("-T", "github.list_issues", "go").error_line("unknown tool 'github.list_issues'", code=1)
    assert ", t (see `appam tools list`" in line
    assert provider.chat_requests == []


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    with HttpServer(tmp_path_factory.mktemp("mcp-http") / "server.log") as server:
        yield server


def test_run_reaches_an_http_server_with_headers_from_the_environment(cli, provider, write_config, http_server):
    write_config(server_table("h", url=http_server.url, headers={"Authorization": "Bearer ${APPAM_TEST_GH_TOKEN}"}))
    provider.enqueue(Reply(tool_calls=[tool_call("h__headers")]), Reply("seen"))
    result = cli.run("-T", "h.headers", "go", env={"APPAM_TEST_GH_TOKEN": "gh-secret-123"})
    assert result.exit_code == 0, result.stderr
    sent = json.loads(provider.chat_requests[1].body["messages"][-1]["content"])
    # The server echoed exactly the token (only that exact value is redacted), and the model, the
    # screen and the store got it redacted: a token this process holds never leaves through a tool.
    assert sent["authorization"] == "Bearer gh-…"
    assert "gh-secret-123" not in result.stdout + result.stderr
    config = (cli.home / "config.toml").read_text()
    assert "gh-secret-123" not in config  # the secret only ever lived in the environment


def test_tools_list_starts_the_servers_and_lists_their_tools(offline_cli, write_config, files, tmp_path):
    write_config(stdio_table("t", env=files.env()) + server_table("broken", command=str(tmp_path / "missing")))
    result = offline_cli("tools", "list", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {f"t.{name}" for name in TOOLS} <= set(rows)
    assert rows["t.add"]["source"] == "mcp: t" and rows["t.add"]["side_effects"] is False
    assert rows["t.echo"]["side_effects"] is True
    assert rows["t.echo"]["parameters"]["required"] == ["text"]
    assert "read_file" in rows  # the built-ins are still there
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("appam: MCP server 'broken' did not start")
    assert files.none_alive()


def test_tools_list_table_shows_mcp_tools(offline_cli, write_config, files):
    write_config(stdio_table("t", env=files.env()))
    result = offline_cli("tools", "list")
    assert result.exit_code == 0, result.stderr
    assert "t.dotted.name" in result.stdout and "mcp: t" in result.stdout
    assert result.stderr.strip() == ""


def _appam_env(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["APPAM_HOME"] = str(home)
    return env


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["sigterm", "ctrl-c"])
def test_a_signal_during_a_call_ends_the_run_and_its_servers(provider, appam_home, server_t, files, signum, code):
    provider.enqueue(Reply(tool_calls=[tool_call("t__sleep", seconds=300)]), Reply("never"))
    proc = subprocess.Popen(
        [APPAM, "run", "-T", "t.sleep", "--yes", "--tool-timeout", "600", "-m", "openai/test-model",
         "--api-base", provider.url, "--retries", "0", "sleep"],
        env=_appam_env(appam_home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_until(lambda: files.called() == ["sleep"] or proc.poll() is not None, 90), "the call never started"
        assert proc.poll() is None, proc.communicate()
        [pid] = pids(files.pids)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == code, (out, err)
        assert "Traceback" not in err
        assert wait_until(lambda: not alive(pid), 20), "the MCP server outlived the run"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in pids(files.pids):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_an_http_server_dying_mid_run_is_one_line_on_a_real_stderr(provider, appam_home, write_config, tmp_path):
    """In a real process (pytest's log capture would hide it in-process): the SDK's own complaints,
    such as its session DELETE to the dead server failing, never reach the screen."""
    provider.enqueue(Reply(tool_calls=[tool_call("h__die")]), Reply("gone"))
    with HttpServer(tmp_path / "server.log") as server:
        write_config(server_table("h", url=server.url))
        done = subprocess.run(
            [APPAM, "run", "-T", "h.die", "--yes", "-m", "openai/test-model", "--api-base", provider.url,
             "--retries", "0", "go"],
            capture_output=True, text=True, env=_appam_env(appam_home), timeout=120, stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, lines  # the failure and the session footer
    assert lines[0].startswith("appam: MCP server 'h' stopped answering mid-run")
    assert lines[1].startswith("session ")


def test_chat_script_calls_an_mcp_tool(provider, appam_home, server_t, files):
    provider.enqueue(Reply(tool_calls=[tool_call("t__add", a=20, b=22)]), Reply("The sum is 42."), Reply("bye"))
    done = subprocess.run(
        [APPAM, "chat", "-T", "t.add", "-m", "openai/test-model", "--api-base", provider.url, "--retries", "0"],
        input="add 20 and 22\nthanks\n", capture_output=True, text=True, env=_appam_env(appam_home), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "The sum is 42." in done.stdout
    session = only_session(appam_home)
    assert [(m.role, m.content) for m in session.messages if m.role == "tool"] == [("tool", "42")]
    assert [m.content for m in session.messages if m.role == "user"] == ["add 20 and 22", "thanks"]
    assert files.called() == ["add"]
    assert files.none_alive()


def test_a_run_without_mcp_tools_never_imports_the_sdk(provider, appam_home, server_t, files):
    """The server is configured but not named: the run reads its config, starts nothing, imports no `mcp`."""
    provider.enqueue(Reply("plain"))
    run = run_appam(
        "run", "-T", "read_file", "-m", "openai/test-model", "--api-base", provider.url, "hi", env=_appam_env(appam_home)
    )
    assert run.returncode == 0, run.stderr
    assert "appam_cli.tools.mcp.config" in run.modules()
    assert not run.heavy(("mcp", "mcp_types", "httpx2", "jsonschema")), run.explain(("mcp", "mcp_types"))
    assert files.called() == [] and pids(files.pids) == []


def test_a_run_with_an_mcp_tool_does_import_it(provider, appam_home, server_t, files):
    """The guard above can fail: the same report shows `mcp` once a run uses a server."""
    provider.enqueue(Reply("plain"))
    run = run_appam(
        "run", "-T", "t.add", "-m", "openai/test-model", "--api-base", provider.url, "hi", env=_appam_env(appam_home)
    )
    assert run.returncode == 0, run.stderr
    assert "mcp" in run.modules()
    assert sys.modules  # (the in-process interpreter is not what is checked)
