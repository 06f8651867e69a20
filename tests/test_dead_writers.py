"""A writer killed mid-stream (kill -9): its ledger row exists from the moment the request is sent,
read commands show its session interrupted without writing, the next writing command settles it
once, ``continue`` is allowed at once, and budgets see what a live concurrent run is spending."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess

import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import only_session, snapshot
from test_signals import read_until

from appam_cli.providers.usage import rough_tokens

pytestmark = pytest.mark.e2e  # every test kills or races a real `appam run` process

SLOW = [f"word{i} " for i in range(400)]


def start_run(provider, home, *args, prompt="count slowly"):
    env = dict(os.environ, APPAM_HOME=str(home))
    return subprocess.Popen(
        [APPAM, "run", prompt, "-m", "openai/test-model", "--api-base", provider.url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def killed_mid_stream(provider, home) -> None:
    """An `appam run` killed with SIGKILL after at least one checkpoint."""
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    proc = start_run(provider, home)
    read_until(proc, b"word40 ")  # > 2 s of streaming: checkpoints have been written
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def ledger(home) -> list[dict]:
    conn = sqlite3.connect(home / "sessions.db")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM requests ORDER BY id")]
    finally:
        conn.close()


def stored_session(home, session_id) -> dict:
    conn = sqlite3.connect(home / "sessions.db")
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone())
    finally:
        conn.close()


def test_read_commands_show_a_killed_writer_interrupted_without_writing(provider, appam_home, offline_cli):
    killed_mid_stream(provider, appam_home)
    before = snapshot(appam_home)
    (row,) = before["sessions"]
    assert row["status"] == "running"  # the killed process never got to say otherwise

    listed = offline_cli("sessions", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [json.loads(line)["status"] for line in listed.stdout.splitlines()] == ["interrupted"]
    shown = offline_cli("sessions", "show", row["id"], "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["status"] == "interrupted"
    assert offline_cli("sessions", "list", "--status", "interrupted", "--json").stdout.count("\n") == 1
    assert offline_cli("sessions", "list", "--status", "running", "--json").stdout == ""
    table = offline_cli("sessions", "list")
    assert "interrupted" in table.stdout and "running" not in table.stdout
    usage = offline_cli("usage", "--json")
    assert usage.exit_code == 0, usage.stderr
    assert json.loads(usage.stdout)["total"]["requests"] == 1  # what it spent counts at once
    assert snapshot(appam_home) == before  # reading wrote nothing


def test_the_next_writing_command_settles_the_killed_request_exactly_once(provider, appam_home, offline_cli, cli):
    killed_mid_stream(provider, appam_home)
    (running,) = ledger(appam_home)
    assert running["status"] == "running" and running["owner_pid"] and running["heartbeat_at"]
    sid = running["session_id"]

    assert offline_cli("sessions", "rename", sid, "settled").exit_code == 0  # a writing command
    provider.enqueue(Reply("quick"))
    assert cli.run("another prompt").exit_code == 0  # and another one

    rows = ledger(appam_home)
    killed = [r for r in rows if r["session_id"] == sid]
    assert len(killed) == 1 and len(rows) == 2
    (settled,) = killed
    assert settled["status"] == "interrupted" and settled["usage_estimated"] == 1
    saved = only_session_answer(appam_home, sid)
    assert settled["output_tokens"] > 0
    assert abs(settled["output_tokens"] - rough_tokens(saved)) <= 10  # from the text that was saved
    session = stored_session(appam_home, sid)
    assert session["status"] == "interrupted"
    assert (session["request_count"], session["output_tokens"], session["estimated_requests"]) == (
        1, settled["output_tokens"], 1,
    )

    report = json.loads(offline_cli("usage", "--json", "--by", "session").stdout)
    assert (report["total"]["requests"], report["total"]["estimated_requests"]) == (2, 1)


def only_session_answer(home, session_id) -> str:
    conn = sqlite3.connect(home / "sessions.db")
    try:
        (content,) = conn.execute(
            "SELECT content FROM messages WHERE session_id = ? AND role = 'assistant'", (session_id,)
        ).fetchone()
        return content
    finally:
        conn.close()


def test_continue_is_allowed_at_once_after_a_kill(provider, appam_home, cli):
    killed_mid_stream(provider, appam_home)
    (row,) = snapshot(appam_home)["sessions"]
    provider.enqueue(Reply("picked up again"))
    result = cli("continue", row["id"], "go on", "--api-base", provider.url, "--retries", "0")
    assert result.exit_code == 0, result.stderr
    session = only_session(appam_home)
    assert session.messages[-1].content == "picked up again" and session.status == "completed"
    assert [r["status"] for r in ledger(appam_home)] == ["interrupted", "completed"]


def test_budgets_see_what_a_concurrent_run_is_spending(provider, appam_home, cli, offline_cli, write_config):
    write_config('[prices."openai/test-model"]\ninput = 0\noutput = 100000\n[budget]\ndaily_usd = 2\n')
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    proc = start_run(provider, appam_home, "--force")  # $0.10 an output token: the run passes $2 quickly
    try:
        read_until(proc, b"word40 ")
        listed = offline_cli("sessions", "list", "--json")
        assert [json.loads(line)["status"] for line in listed.stdout.splitlines()] == ["running"]  # alive
        busy = cli("continue", "last", "more", "--api-base", provider.url)
        assert busy.exit_code == 1 and "still being answered" in busy.stderr
        result = cli.run("second")
        assert result.exit_code == 5, result.stderr
        assert "budget reached" in result.stderr
    finally:
        proc.kill()
        proc.wait(timeout=10)
