"""Two writers on one session, and deleting a session being answered, with real processes:
``appam continue`` and scripted ``appam chat --session`` against the loopback provider."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest
from conftest import APPAM
from provider_server import Reply, echo_reply, split_words
from sessions_store import load, make_session, save, sessions

pytestmark = pytest.mark.e2e  # every test runs appam processes side by side

SLOW = [f"word{i} " for i in range(200)]  # 0.05 s a chunk: ten seconds of answer


class Proc:
    """An appam process whose stdout and stderr are collected as they come; stdin stays open."""

    def __init__(self, home, *args: str, stdin=subprocess.PIPE) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["APPAM_HOME"] = str(home)
        self.proc = subprocess.Popen(
            [APPAM, *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        self.out = bytearray()
        self.err = bytearray()
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _pump(stream, into: bytearray) -> None:
        for chunk in iter(lambda: os.read(stream.fileno(), 4096), b""):
            into.extend(chunk)

    def send(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_for(self, text: str, *, err: bool = False, timeout: float = 60) -> None:
        seen = self.err if err else self.out
        deadline = time.monotonic() + timeout
        while text.encode() not in seen:
            ended = self.proc.poll() is not None
            if ended:
                time.sleep(0.2)  # what it wrote last is still being collected
            assert text.encode() in seen or not (ended or time.monotonic() > deadline), (
                f"never saw {text!r}: out {bytes(self.out)!r} err {bytes(self.err)!r}"
            )
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=5)
        return code, self.out.decode(), self.err.decode()


def cont(provider, home, sid, prompt, *args):
    return Proc(home, "continue", sid, prompt, "--api-base", provider.url, "--retries", "0", "--raw", *args, stdin=subprocess.DEVNULL)


def chat(provider, home, sid):
    """``appam chat --session SID`` reading its turns from a pipe, once it has the session open."""
    window = Proc(home, "chat", "--session", sid, "--api-base", provider.url, "--retries", "0")
    window.send("/model")
    window.wait_for("/model NAME switches it", err=True)
    return window


def stored(home, sid):
    return [(m.role, m.content) for m in load(home, sid).messages]


def answered(home, sid, prompt, timeout: float = 30) -> None:
    """Wait until the turn that sent ``prompt`` is over in the store (its answer saved, the session
    no longer running): the answer shows on stdout a moment before its last save."""
    deadline = time.monotonic() + timeout
    while True:
        session = load(home, sid)
        if session.status != "running" and ("assistant", f"echo: {prompt}") in stored(home, sid):
            return
        assert time.monotonic() < deadline, (session.status, stored(home, sid))
        time.sleep(0.05)


def turn(window, home, sid, prompt) -> None:
    window.send(prompt)
    window.wait_for(f"echo: {prompt}")
    answered(home, sid, prompt)


def exchange(prompt):
    return [("user", prompt), ("assistant", f"echo: {prompt}")]


@pytest.fixture
def slow_echo(provider):
    """Every answer echoes its prompt slowly; the first waits (up to 5 s) until a second request
    came, so that two writers really answer at the same time."""

    def answer(body):
        provider.wait_for_requests(2, timeout=5)
        return Reply(split_words(echo_reply(body).full_text, 1), chunk_delay=0.05)

    provider.default = answer
    yield provider
    provider.default = None


def test_two_continues_started_together_keep_both_exchanges_together(slow_echo, appam_home):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    procs = {p: cont(slow_echo, appam_home, sid, p) for p in ("from one", "from two")}
    results = {p: proc.finish() for p, proc in procs.items()}
    answered = [p for p, (code, _, _) in results.items() if code == 0]
    for code, _, err in results.values():
        assert "Traceback" not in err
        if code:  # the only other outcome: it saw the other one answering and said so, sending nothing
            assert code == 1 and "still being answered by another appam" in err, (code, err)
    assert answered, results
    messages = stored(appam_home, sid)
    assert messages[:2] == [("user", "q0"), ("assistant", "a0")]
    rest = messages[2:]
    # each exchange whole and in one piece, in whichever order they were committed
    assert sorted(rest[i : i + 2] for i in range(0, len(rest), 2)) == sorted(exchange(p) for p in answered)
    (summary,) = sessions(appam_home)
    assert summary.message_count == len(messages) and summary.status == "completed"


def test_two_chat_windows_taking_turns_keep_every_exchange(provider, appam_home):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    one, two = chat(provider, appam_home, sid), chat(provider, appam_home, sid)
    turn(one, appam_home, sid, "one first")
    turn(two, appam_home, sid, "two first")
    turn(one, appam_home, sid, "one second")
    for window in (one, two):
        code, _, err = window.finish()
        assert code == 0, err
    assert stored(appam_home, sid) == [
        ("user", "q0"), ("assistant", "a0"), *exchange("one first"), *exchange("two first"), *exchange("one second")
    ]
    # each window loaded the other's exchange before its next request: the model saw all of it
    sent = [[m["content"] for m in r.body["messages"]] for r in provider.chat_requests]
    assert sent[1] == ["q0", "a0", "one first", "echo: one first", "two first"]
    assert sent[2][-3:] == ["two first", "echo: two first", "one second"]
    assert "2 messages added by another appam were loaded" in one.err.decode()
    assert "2 messages added by another appam were loaded" in two.err.decode()


def test_undo_in_one_window_never_removes_the_others_exchange(provider, appam_home):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    one, two = chat(provider, appam_home, sid), chat(provider, appam_home, sid)
    turn(one, appam_home, sid, "one first")
    turn(two, appam_home, sid, "two first")
    one.send("/undo")  # the last exchange is the other window's: refused
    one.wait_for("/undo only removes this chat's own exchanges", err=True)
    assert stored(appam_home, sid)[-4:] == [*exchange("one first"), *exchange("two first")]
    one.send("/retry")
    one.wait_for("/retry only asks again in this chat's own", err=True)
    two.send("/undo")  # its own: removed, and nothing else
    two.wait_for("removed the last exchange", err=True)
    for window in (one, two):
        code, _, err = window.finish()
        assert code == 0, err
    assert stored(appam_home, sid) == [("user", "q0"), ("assistant", "a0"), *exchange("one first")]
    assert len(provider.chat_requests) == 2  # the refused /retry sent nothing


def test_deleting_a_session_being_answered_is_refused_then_forced(provider, appam_home, offline_cli):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    (other,) = save(appam_home, make_session("idle", "done"))
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    writer = cont(provider, appam_home, sid, "count slowly")
    writer.wait_for("word30 ")  # 1.5 s in: checkpointed, running, fresh
    refused = offline_cli("sessions", "delete", sid[:8], "--yes")
    refused.error_line(f"session {sid[:8]} is being answered by another appam now", "--force", code=1)
    everything = offline_cli("sessions", "delete", "--all", "--yes")
    assert everything.exit_code == 0 and "Deleted 1 session " in everything.stdout, everything.stderr
    assert f"kept 1 session another appam is answering now ({sid[:8]})" in everything.stderr
    assert [s.session_id for s in sessions(appam_home)] == [sid] and other
    forced = offline_cli("sessions", "delete", sid, "--yes", "--force")
    assert forced.exit_code == 0, forced.stderr
    code, out, err = writer.finish()
    assert code == 1, err
    lines = err.splitlines()
    assert any(
        f"session {sid[:8]} was deleted by another appam command" in line and "the answer was not saved" in line
        for line in lines
    ), err
    assert "word0 word1 word2" in err  # the text that could not be saved, on stderr
    assert "FOREIGN KEY" not in err and "Traceback" not in err and "saved what arrived" not in err
    time.sleep(1.2)
    assert sessions(appam_home) == []  # not recreated


def test_pruning_never_removes_a_session_being_answered(provider, appam_home, write_config, cli):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    write_config("[history]\nmax_sessions = 1\n")
    provider.enqueue(Reply(SLOW[:150], chunk_delay=0.05))
    writer = cont(provider, appam_home, sid, "count slowly")
    writer.wait_for("word25 ")
    other = cli.run("meanwhile")  # its save prunes to one session, but not the one being answered
    assert other.exit_code == 0, other.stderr
    assert sid in [s.session_id for s in sessions(appam_home)]
    code, _, err = writer.finish()
    assert code == 0, err
    assert stored(appam_home, sid)[2][1] == "count slowly"
    assert stored(appam_home, sid)[3][1] == "".join(SLOW[:150])


def test_a_chat_turn_waits_for_another_appam_answering_the_session(provider, appam_home):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    window = chat(provider, appam_home, sid)
    provider.enqueue(Reply(SLOW[:60], chunk_delay=0.05))
    writer = cont(provider, appam_home, sid, "count slowly")
    writer.wait_for("word10 ")
    window.send("meanwhile")  # refused: a script stops at it, with nothing sent
    code, _, err = window.finish()
    assert code == 1 and "still being answered by another appam" in err and "Traceback" not in err
    assert writer.finish()[0] == 0
    assert stored(appam_home, sid) == [("user", "q0"), ("assistant", "a0"), ("user", "count slowly"),
                                       ("assistant", "".join(SLOW[:60]))]
    assert len(provider.chat_requests) == 1


def test_a_chat_whose_session_is_deleted_mid_answer_stops_without_recreating_it(provider, appam_home, offline_cli):
    (sid,) = save(appam_home, make_session("q0", "a0"))
    window = chat(provider, appam_home, sid)
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    window.send("count slowly")
    window.wait_for("word30 ")
    assert offline_cli("sessions", "delete", sid, "--yes", "--force").exit_code == 0
    code, _, err = window.finish()
    assert code == 1, err
    assert f"session {sid[:8]} was deleted by another appam command" in err and "the answer was not saved" in err
    assert "word0 word1 word2" in err and "FOREIGN KEY" not in err and "Traceback" not in err
    assert sessions(appam_home) == []
