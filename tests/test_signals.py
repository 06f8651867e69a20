"""Interruptions in a real process: Ctrl-C, SIGTERM and kill -9 keep what was shown."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import only_session

pytestmark = pytest.mark.e2e  # every test signals a running `appam run` process


def start_run(provider, home, *args):
    env = dict(os.environ, APPAM_HOME=str(home))
    return subprocess.Popen(
        [APPAM, "run", "count slowly", "-m", "openai/test-model", "--api-base", provider.url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def read_until(proc, text: bytes, timeout: float = 30) -> bytes:
    """Read stdout until ``text`` appears (the answer is visibly streaming)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"never saw {text!r}; got {seen!r}"
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, f"stdout closed early; got {seen!r}; stderr {proc.stderr.read()!r}"
        seen += chunk
    return seen


def saved_answer(home):
    """The saved session's one answer, and the session's status."""
    session = only_session(home)
    (answer,) = [m for m in session.messages if m.role == "assistant"]
    return answer, session.status


SLOW = [f"word{i} " for i in range(200)]


@pytest.mark.parametrize(
    "sig, code, word",
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_signal_while_streaming_saves_the_partial_answer(provider, appam_home, sig, code, word):
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    proc = start_run(provider, appam_home)
    read_until(proc, b"word5 ")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert word.encode() in err
    assert b"Traceback" not in err
    answer, status = saved_answer(appam_home)
    assert answer.status == "incomplete"
    assert answer.content.startswith("word0 word1 word2 word3 word4 word5 ")
    assert status == "interrupted"


def test_kill_9_keeps_the_checkpointed_text(provider, appam_home):
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    proc = start_run(provider, appam_home)
    read_until(proc, b"word40 ")  # > 2 s of streaming: at least one checkpoint has been written
    proc.kill()
    proc.wait(timeout=10)
    answer, status = saved_answer(appam_home)
    assert answer.status == "incomplete"
    assert answer.content.startswith("word0 word1 word2")
    assert len(answer.content.split()) >= 10
    assert status == "interrupted"  # its writer is gone (test_dead_writers.py has the rest)
