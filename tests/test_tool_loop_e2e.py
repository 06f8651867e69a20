"""The tool loop in real processes: `appam run` killed (kill -9) while a tool runs, and approval asked
in a pseudo-terminal, by `appam run` (the terminal asker) and in the chat (its own prompt)."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import only_session
from test_chat_pty import chat_args, chat_env, start_chat
from test_chat_pty import chats as chats  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

WAIT = 60  # generous upper bounds, never measurements

TOOLS = '''
import time
from pathlib import Path
from appam_cli import tool


@tool(side_effects=False)
def quick(name: str) -> str:
    """Answer at once."""
    return f"quick {name}"


@tool(side_effects=False)
def wait_here(marker: str) -> str:
    """Take a long time."""
    Path(marker).write_text("started")
    time.sleep(120)
    return "never"
'''


def tool_rows(home: Path) -> list[tuple]:
    if not (home / "sessions.db").exists():
        return []
    conn = sqlite3.connect(home / "sessions.db")
    try:
        return conn.execute("SELECT content, tool_call_id FROM messages WHERE role = 'tool' ORDER BY position").fetchall()
    finally:
        conn.close()


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_kill_9_while_a_tool_runs_keeps_everything_and_the_session_continues(provider, appam_home, tmp_path, cli):
    tools = tmp_path / "tools.py"
    tools.write_text(TOOLS)
    marker = tmp_path / "started"
    provider.enqueue(Reply("Two things at once.", tool_calls=[
        {"id": "c1", "name": "quick", "arguments": {"name": "a"}},
        {"id": "c2", "name": "wait_here", "arguments": {"marker": str(marker)}},
    ]))
    env = dict(os.environ, APPAM_HOME=str(appam_home))
    proc = subprocess.Popen(
        [APPAM, "run", "go", "-m", "openai/test-model", "--api-base", provider.url, "--tools-file", str(tools)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
    )
    try:
        wait_until(lambda: marker.exists() and tool_rows(appam_home), "the slow tool to start and the quick result")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert tool_rows(appam_home) == [("quick a", "c1")]  # the finished result was saved before the kill
    session = only_session(appam_home)
    assert session.status == "interrupted"
    assert [m.role for m in session.messages] == ["user", "assistant", "tool"]
    assert session.messages[1].content == "Two things at once."
    assert [c["id"] for c in session.messages[1].tool_calls] == ["c1", "c2"]

    provider.enqueue(Reply("Going on."))
    result = cli("continue", session.session_id, "go on", "--api-base", provider.url)
    assert result.exit_code == 0, result.stderr
    sent = provider.chat_requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "user"]
    assert [c["id"] for c in sent[1]["tool_calls"]] == ["c1"]  # the call that never finished is not sent
    assert sent[2]["content"] == "quick a"
    after = only_session(appam_home)
    assert [m.role for m in after.messages] == ["user", "assistant", "tool", "user", "assistant"]
    assert after.status == "completed"


def run_in_pty(home: Path, provider, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        APPAM,
        ["run", "-m", "openai/test-model", "--api-base", provider.url, "-T", "write_file", *args],
        env=chat_env(home),
        dimensions=(40, 120),
        timeout=WAIT,
        cwd=str(home.parent),
    )
    child.logfile_read = io.BytesIO()  # everything the terminal showed
    return child


def test_run_asks_on_the_terminal_yes_no_always_explain(provider, appam_home):
    folder = appam_home.parent
    write = {"name": "write_file", "arguments": {"path": "a.txt", "content": "A"}}

    provider.enqueue(Reply(tool_calls=[write]), Reply("Wrote it."))
    child = run_in_pty(appam_home, provider, "write a")
    child.expect("write_file .* wants to run")
    child.expect(r"Run it\? \[y\]es")
    child.sendline("y")
    child.expect("Wrote it.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and (folder / "a.txt").read_text() == "A"

    provider.reset()
    provider.enqueue(Reply(tool_calls=[{**write, "arguments": {"path": "b.txt", "content": "B"}}]), Reply("Fine."))
    child = run_in_pty(appam_home, provider, "write b")
    child.expect(r"Run it\? \[y\]es")
    child.sendline("e")
    child.expect("Why not")
    child.sendline("b.txt is precious")
    child.expect("Fine.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and not (folder / "b.txt").exists()
    told = provider.chat_requests[1].body["messages"][-1]
    assert told["role"] == "tool" and "b.txt is precious" in told["content"]

    provider.reset()
    two = [{**write, "arguments": {"path": f"{n}.txt", "content": n}} for n in ("c", "d")]
    provider.enqueue(Reply(tool_calls=two), Reply("Both."))
    child = run_in_pty(appam_home, provider, "write c and d")
    child.expect(r"Run it\? \[y\]es")
    child.sendline("a")
    child.expect("Both.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (folder / "c.txt").read_text() == "c" and (folder / "d.txt").read_text() == "d"
    assert child.logfile_read.getvalue().count(b"Run it?") == 1  # asked once: "always" ran the second call


def test_the_chat_asks_while_it_runs_and_lists_its_tools(provider, appam_home, chats):
    chat = start_chat(appam_home, *chat_args(provider, "-T", "write_file", "-T", "read_file"))
    chats.append(chat)
    chat.submit("/tools")
    assert "write_file" in chat.text() and "read_file" in chat.text() and "read-only" in chat.text()

    provider.enqueue(
        Reply(tool_calls=[{"name": "write_file", "arguments": {"path": "x-never.txt", "content": "X"}}]),
        Reply("Written in the chat."),
    )
    chat.type("write x")
    chat.child.send("\r")
    chat.wait_for("Run it?")
    assert "write_file" in chat.text()
    chat.child.send("n\r")
    chat.wait_for("Written in the chat.")
    chat.wait_prompt()
    assert not Path("x-never.txt").exists()
    told = provider.chat_requests[1].body["messages"][-1]
    assert told["role"] == "tool" and "denied" in told["content"]
    session = only_session(appam_home)
    assert [m.role for m in session.messages] == ["user", "assistant", "tool", "assistant"]
    chat.ctrl("d")
    assert chat.wait_exit() == 0
