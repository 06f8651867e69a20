"""The tool loop through the real CLI (`appam run/continue -T …`) against the loopback server, with
the provider worker on (the suite's default) and off: what is saved, shown, exported and replayed.

In Typer's runner stdout and stderr are not terminals: stdout must hold the final answer alone.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from provider_server import Reply
from sessions_store import only_session

README = """# demo

## Exit codes

0 ok, 4 incomplete answer, 5 stopped by a budget.
"""
QUESTION = "what does README.md say about exit codes?"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "README.md").write_text(README)
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture(params=["worker", "in-process"])
def worker_mode(request, monkeypatch):
    if request.param == "in-process":
        monkeypatch.setenv("APPAM_PROVIDER_WORKER", "0")
    return request.param


def answer_from_the_tool_message(body: dict) -> Reply:
    """The scripted model: read README.md first, then answer with the line of the file it was sent."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") != "tool":
        return Reply("Let me read it.", tool_calls=[{"id": "call_readme", "name": "read_file",
                                                     "arguments": {"path": "README.md"}}])
    line = next(line for line in str(last["content"]).splitlines() if line.startswith("0 ok"))
    return Reply(f"README.md says: {line}")


def stored(home) -> list[tuple]:
    conn = sqlite3.connect(home / "sessions.db")
    try:
        return conn.execute(
            "SELECT role, content, tool_call_id, name, status FROM messages ORDER BY session_id, position"
        ).fetchall()
    finally:
        conn.close()


def test_done_when_run_reads_the_file_through_the_loop_and_answers(cli, workdir, worker_mode, monkeypatch):
    monkeypatch.setattr(cli.server, "default", answer_from_the_tool_message)
    result = cli.run("-T", "read_file", QUESTION)
    assert result.exit_code == 0, result.stderr
    # a pipe gets the final answer alone: the first answer's text and the tool blocks are not on stdout
    assert result.stdout == "README.md says: 0 ok, 4 incomplete answer, 5 stopped by a budget.\n"
    rows = stored(cli.home)
    assert [r[0] for r in rows] == ["user", "assistant", "tool", "assistant"]
    assert rows[2][1] == README and rows[2][2:4] == ("call_readme", "read_file")
    assert rows[3][1] == "README.md says: 0 ok, 4 incomplete answer, 5 stopped by a budget."
    session = only_session(cli.home)
    assert session.status == "completed" and len(session.requests) == 2
    assert cli.server.chat_requests[1].body["messages"][-1]["content"] == README


def test_the_first_answer_text_is_not_on_stdout_but_the_final_one_is(cli, workdir):
    cli.server.enqueue(
        Reply("Checking.", tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}]),
        Reply("Done."),
    )
    result = cli.run("-T", "read_file", "--raw", "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Done.\n"


def test_verbose_shows_calls_and_whole_results_on_stderr_only(cli, workdir):
    cli.server.enqueue(Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}]), Reply("Done."))
    result = cli.run("-T", "read_file", "--verbose", "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Done.\n"
    assert "⚙ read_file" in result.stderr and '"path": "README.md"' in result.stderr
    assert "↳ ok ·" in result.stderr
    assert "0 ok, 4 incomplete answer, 5 stopped by a budget." in result.stderr


def test_max_steps_is_an_incomplete_answer(cli, workdir, worker_mode):
    calls = [Reply("Looking.", tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}])
             for _ in range(4)]
    cli.server.enqueue(*calls)
    result = cli.run("-T", "read_file", "--max-steps", "3", "loop")
    assert result.exit_code == 4, result.stderr
    lines = result.appam_lines()
    assert lines == ["appam: stopped after 3 requests (max steps 3): the model still asked for read_file; "
                     "everything so far is saved (--max-steps N allows more)"]
    assert result.stdout == ""  # no final answer: the text of answers that called tools is not one
    assert len(cli.server.chat_requests) == 3
    session = only_session(cli.home)
    assert session.status == "interrupted" and len(session.requests) == 3
    assert [m.role for m in session.messages] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]


def test_the_same_failing_call_three_times_ends_the_run(cli, workdir):
    missing = [Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "nope.md"}}]) for _ in range(4)]
    cli.server.enqueue(*missing)
    result = cli.run("-T", "read_file", "read nope.md")
    assert result.exit_code == 4, result.stderr
    (line,) = result.appam_lines()
    assert line.startswith("appam: stopped: read_file failed 3 times in a row with the same arguments")
    assert "nope.md: no such file" in line
    assert only_session(cli.home).status == "interrupted"


def test_a_denied_call_without_a_terminal_is_not_an_error(cli, workdir):
    cli.server.enqueue(
        Reply(tool_calls=[{"name": "write_file", "arguments": {"path": "out.txt", "content": "x"}}]),
        Reply("I could not write the file."),
    )
    result = cli.run("-T", "write_file", "write out.txt")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "I could not write the file.\n"
    assert not (workdir / "out.txt").exists()
    assert any("write_file: denied, nobody could be asked" in line for line in result.appam_lines())
    told = cli.server.chat_requests[1].body["messages"][-1]
    assert told["role"] == "tool" and "could not be asked" in told["content"]


def test_yes_approves_side_effects(cli, workdir):
    cli.server.enqueue(
        Reply(tool_calls=[{"name": "write_file", "arguments": {"path": "out.txt", "content": "hello"}}]),
        Reply("Written."),
    )
    result = cli.run("-T", "write_file", "--yes", "write out.txt")
    assert result.exit_code == 0, result.stderr
    assert (workdir / "out.txt").read_text() == "hello"


def test_an_unknown_tool_is_one_line_and_nothing_is_sent(cli, workdir):
    result = cli.run("-T", "reed_file", "hello")
    result.error_line("unknown tool 'reed_file'", "read_file")
    assert cli.server.requests == []
    assert not (cli.home / "sessions.db").exists() or stored(cli.home) == []


def test_allow_path_must_be_a_folder(cli, workdir):
    result = cli.run("-T", "read_file", "--allow-path", "no/such/dir", "hello")
    result.error_line("--allow-path no/such/dir: no such folder")
    assert cli.server.requests == []


def test_allow_path_lets_file_tools_read_another_folder(cli, workdir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("secret plans\n")
    target = str(other / "notes.txt")
    for allow in ([], ["--allow-path", str(other)]):
        cli.server.reset()
        cli.server.enqueue(Reply(tool_calls=[{"name": "read_file", "arguments": {"path": target}}]), Reply("ok"))
        result = cli.run("-T", "read_file", *allow, "read it")
        assert result.exit_code == 0, result.stderr
        sent = cli.server.chat_requests[1].body["messages"][-1]["content"]
        assert ("secret plans" in sent) == bool(allow), sent


def test_tool_timeout_flag(cli, workdir):
    tools = workdir / "slow.py"
    tools.write_text(
        "import time\nfrom appam_cli import tool\n\n"
        "@tool(side_effects=False)\ndef slow() -> str:\n    \"\"\"Take a while.\"\"\"\n    time.sleep(5)\n    return 'late'\n"
    )
    cli.server.enqueue(Reply(tool_calls=[{"name": "slow", "arguments": {}}]), Reply("it timed out"))
    result = cli.run("--tools-file", str(tools), "--tool-timeout", "0.2", "go")
    assert result.exit_code == 0, result.stderr
    sent = cli.server.chat_requests[1].body["messages"][-1]["content"]
    assert sent == "error: slow did not finish within 0.2 s; it was stopped waiting for"


def test_json_output_holds_calls_and_results(cli, workdir):
    cli.server.enqueue(Reply(tool_calls=[{"id": "c1", "name": "read_file", "arguments": {"path": "README.md"}}]),
                       Reply("Done."))
    result = cli.run("-T", "read_file", "--json", "check")
    assert result.exit_code == 0, result.stderr
    messages = json.loads(result.stdout)["messages"]
    assert messages[1]["tool_calls"][0]["id"] == "c1"
    assert messages[2] == {**messages[2], "role": "tool", "tool_call_id": "c1", "name": "read_file",
                           "content": README}


def test_show_and_every_export_format_hold_calls_and_results(cli, workdir):
    cli.server.enqueue(Reply(tool_calls=[{"id": "c1", "name": "read_file", "arguments": {"path": "README.md"}}]),
                       Reply("Done."))
    assert cli.run("-T", "read_file", "check").exit_code == 0
    sid = only_session(cli.home).session_id

    shown = cli("sessions", "show", sid)
    assert shown.exit_code == 0, shown.stderr
    assert '⚙ read_file({"path": "README.md"})' in shown.stdout and "# demo" in shown.stdout
    assert "read_file" in shown.stdout.split("tool")[1]

    exported = {fmt: cli("sessions", "export", sid, "--format", fmt) for fmt in ("json", "jsonl", "markdown", "openai")}
    assert all(r.exit_code == 0 for r in exported.values()), {k: r.stderr for k, r in exported.items()}
    for fmt in ("json", "jsonl"):
        messages = json.loads(exported[fmt].stdout)["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
        assert messages[1]["tool_calls"][0]["function"]["name"] == "read_file"
        assert messages[2]["tool_call_id"] == "c1" and messages[2]["content"] == README
    openai = json.loads(exported["openai"].stdout)
    assert openai[1]["tool_calls"][0]["id"] == "c1"
    assert openai[2] == {"role": "tool", "content": README, "tool_call_id": "c1", "name": "read_file"}
    markdown = exported["markdown"].stdout
    assert "**Tool call** `read_file` (`c1`)" in markdown and "Result of call `c1`" in markdown
    assert "## Exit codes" in markdown


def test_export_and_import_keep_thinking_blocks(cli, workdir, monkeypatch, tmp_path, worker_mode):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")
    cli.server.enqueue(
        Reply(reasoning="Read it first.", tool_calls=[{"id": "toolu_1", "name": "read_file",
                                                       "arguments": {"path": "README.md"}}]),
        Reply("Done."),
    )
    result = cli("run", "-T", "read_file", "-m", "anthropic/claude-sonnet-4-5", "--api-base",
                 cli.server.anthropic_url, "check")
    assert result.exit_code == 0, result.stderr
    sid = only_session(cli.home).session_id
    exported = cli("sessions", "export", sid, "--format", "json")
    blocks = json.loads(exported.stdout)["messages"][1]["thinking_blocks"]
    assert blocks[0]["thinking"] == "Read it first." and blocks[0]["signature"].startswith("sig-")
    assert "thinking_blocks" not in cli("sessions", "export", sid, "--format", "openai").stdout
    path = tmp_path / "s.json"
    path.write_text(exported.stdout)
    cli("sessions", "delete", sid, "--yes")
    imported = cli("sessions", "import", str(path))
    assert imported.exit_code == 0, imported.stderr
    assert only_session(cli.home).messages[1].thinking_blocks == blocks


def test_continue_with_tools_replays_the_loop(cli, workdir, worker_mode):
    cli.server.enqueue(Reply(tool_calls=[{"id": "c1", "name": "read_file", "arguments": {"path": "README.md"}}]),
                       Reply("It has exit codes."))
    assert cli.run("-T", "read_file", "check").exit_code == 0
    sid = only_session(cli.home).session_id
    cli.server.enqueue(Reply(tool_calls=[{"id": "c2", "name": "read_file", "arguments": {"path": "README.md"}}]),
                       Reply("Still the same."))
    result = cli("continue", sid, "read it again", "-T", "read_file", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Still the same.\n"
    sent = cli.server.chat_requests[2].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[2] == {"role": "tool", "content": README, "tool_call_id": "c1", "name": "read_file"}
    assert [r[0] for r in stored(cli.home)] == ["user", "assistant", "tool", "assistant"] * 2


def test_a_max_cost_spans_the_loop(cli, workdir):
    usage = {"prompt_tokens": 100_000, "completion_tokens": 10}
    cli.server.enqueue(*[Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}], usage=usage)
                         for _ in range(3)])
    result = cli.run("-T", "read_file", "--max-cost", "0.02", "loop", model="openai/gpt-4o-mini")
    assert result.exit_code == 5, result.stderr
    # $0.015 a request (100k tokens at $0.15 per million): after two, the third would pass the cap: never sent
    assert len(cli.server.chat_requests) == 2
    session = only_session(cli.home)
    assert len(session.requests) == 2
    assert session.status == "interrupted"


def test_tools_in_the_scripted_chat(cli, workdir):
    cli.server.enqueue(Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}]),
                       Reply("Found the exit codes."))
    result = cli("chat", "-m", "openai/test-model", "--api-base", cli.server.url, "-T", "read_file",
                 input="/tools\nwhat are the exit codes?\n")
    assert result.exit_code == 0, result.stderr
    assert "read_file" in result.stdout and "Found the exit codes." in result.stdout
    assert [r[0] for r in stored(cli.home)] == ["user", "assistant", "tool", "assistant"]


def test_a_key_this_process_holds_never_leaves_through_a_tool(cli, workdir, monkeypatch):
    """A file (or a command's output) holding the API key: the model, the screen and the store get
    it redacted; the file itself is untouched."""
    secret = "sk-test-very-secret-value-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    (workdir / "notes.txt").write_text(f"the key is {secret}\n")
    cli.server.enqueue(
        Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "notes.txt"}}]),
        Reply("Read."),
    )
    result = cli.run("-T", "read_file", "--verbose", "what is in notes.txt?")
    assert result.exit_code == 0, result.stderr
    sent = json.dumps(cli.server.requests[-1].body["messages"], ensure_ascii=False)
    assert secret not in sent and "sk-…" in sent
    assert secret not in result.stdout + result.stderr
    assert all(secret not in str(row) for row in stored(cli.home))
    assert secret in (workdir / "notes.txt").read_text()


def test_an_agents_tools_and_max_steps_run_the_loop_under_the_flags(cli, workdir, monkeypatch):
    """agents/NAME.toml's `tools` are enabled without -T, its `max_steps` stops the loop, and
    --max-steps goes over it."""
    folder = cli.home / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reader.toml").write_text('tools = ["read_file"]\nmax_steps = 1\n')
    monkeypatch.setattr(cli.server, "default", answer_from_the_tool_message)

    stopped = cli.run("-a", "reader", QUESTION)
    assert stopped.exit_code == 4, stopped.stderr
    assert "stopped after 1 request" in stopped.stderr
    assert cli.server.chat_requests[0].body["tools"][0]["function"]["name"] == "read_file"

    answered = cli.run("-a", "reader", "--max-steps", "3", QUESTION)
    assert answered.exit_code == 0, answered.stderr
    assert answered.stdout == "README.md says: 0 ok, 4 incomplete answer, 5 stopped by a budget.\n"
    rows = [r for r in stored(cli.home) if r[0] == "tool"]
    assert rows and rows[-1][1] == README


def test_an_unknown_tool_in_an_agent_file_names_the_file(cli, workdir):
    folder = cli.home / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bad.toml").write_text('mcp = ["nosuch"]\n')
    line = cli.run("-a", "bad", "hi").error_line("unknown tool 'nosuch'", "named by the agent file", code=1)
    assert str(folder / "bad.toml") in line
    assert cli.server.chat_requests == []
