"""``appam chat`` with stdin not a terminal: each line is a turn, answers plain, then exit."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import APPAM
from provider_server import HTTPError, Reply
from sessions_store import only_session, sessions

pytestmark = pytest.mark.e2e  # every test runs `appam chat` as a process


def appam(home, script: str, *args: str) -> subprocess.CompletedProcess:
    """``appam ARGS`` with ``script`` as its stdin (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["APPAM_HOME"] = str(home)
    return subprocess.run([APPAM, *args], input=script, capture_output=True, text=True, env=env, timeout=120)


def run_chat(provider, home, script: str, *args: str) -> subprocess.CompletedProcess:
    return appam(home, script, "chat", "-m", "openai/test-model", "--api-base", provider.url, "--retries", "0", *args)


def test_each_line_is_a_turn_and_the_answers_are_plain(provider, appam_home):
    provider.enqueue(Reply("# Title\n\n**bold** answer"))
    done = run_chat(provider, appam_home, "first question\n\n/model openai/second-model\nsecond question\n")
    assert done.returncode == 0, done.stderr
    # Plain text exactly as it arrived, one answer after the other; nothing else on stdout.
    assert done.stdout == "# Title\n\n**bold** answer\necho: second question\n"
    assert "Traceback" not in done.stderr
    session = only_session(appam_home)
    assert f"session {session.session_id[:8]} ·" in done.stderr and "2 requests" in done.stderr
    assert [(m.role, m.content, m.model, m.status) for m in session.messages] == [
        ("user", "first question", None, "completed"),
        ("assistant", "# Title\n\n**bold** answer", "openai/test-model", "completed"),
        ("user", "second question", None, "completed"),
        ("assistant", "echo: second question", "openai/second-model", "completed"),
    ]
    assert [r.body["model"] for r in provider.chat_requests] == ["test-model", "second-model"]
    assert not (appam_home / "input_history").exists()  # scripts do not fill the input history


def test_a_failed_turn_stops_the_script_with_its_exit_code(provider, appam_home):
    provider.enqueue(Reply("fine"), HTTPError(401))
    done = run_chat(provider, appam_home, "one\ntwo\nthree\n")
    assert done.returncode == 3
    assert done.stdout == "fine\n"
    assert "authentication failed" in done.stderr and "stopped at line 2 of the input" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(provider.chat_requests) == 2  # "three" was never sent
    session = only_session(appam_home)
    assert [(m.role, m.content) for m in session.messages] == [("user", "one"), ("assistant", "fine"), ("user", "two")]
    assert session.status == "failed"


def test_a_cut_answer_exits_4_and_keeps_what_arrived(provider, appam_home):
    provider.enqueue(Reply(["part one ", "part two ", "never sent"], drop_after=2))
    done = run_chat(provider, appam_home, "go\nnot reached\n")
    assert done.returncode == 4
    assert done.stdout.startswith("part one part two")
    assert [(m.content, m.status) for m in only_session(appam_home).messages if m.role == "assistant"] == [
        ("part one part two ", "incomplete")
    ]


def test_empty_input_and_exit_command(provider, appam_home):
    done = run_chat(provider, appam_home, "")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "nothing said, nothing saved" in done.stderr
    assert not (appam_home / "sessions.db").exists()

    done = run_chat(provider, appam_home, "hello\n/exit\nnot sent\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "echo: hello\n"
    assert len(provider.chat_requests) == 1


def test_continue_without_a_prompt_reads_turns_from_stdin(provider, appam_home):
    first = run_chat(provider, appam_home, "start\n")
    assert first.returncode == 0, first.stderr
    session_id = only_session(appam_home).session_id
    done = appam(appam_home, "more\n/undo\nagain\n", "chat", "--session", session_id[:8], "--api-base", provider.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "echo: more\necho: again\n"
    assert [m.content for m in only_session(appam_home).messages] == ["start", "echo: start", "again", "echo: again"]


def test_max_cost_caps_the_whole_chat(provider, appam_home):
    done = run_chat(provider, appam_home, "a question\nanother\n", "-m", "openai/gpt-4o-mini", "--max-cost", "0.0000001")
    assert done.returncode == 5, done.stderr
    assert "stopped before sending" in done.stderr and "stopped at line 1 of the input" in done.stderr
    assert provider.chat_requests == []
    assert sessions(appam_home) == []  # nothing was sent: no session either
