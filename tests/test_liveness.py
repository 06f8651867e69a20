"""The liveness rule for a writer (process id, host, heartbeat), settling dead writers' ledger rows
once, and one ledger row per request actually sent (in-process; the kill -9 cases are in
test_dead_writers.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from provider_server import Reply, rate_limit_error
from sessions_store import make_session, opened, save

from appam_cli.datamodel import RequestStatus
from appam_cli.datamodel.times import to_db, utcnow
from appam_cli.store import liveness
from appam_cli.store.liveness import Owner, writer_alive

NOW = utcnow()
HERE = liveness.this_host()


def dead_pid() -> int:
    """A process id that no process can have (past the kernel's limit)."""
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


@pytest.fixture
def other_pid():
    """The id of another live process on this host (another appam, as far as the rule can tell):
    the one that started the tests."""
    return os.getppid()


def test_a_live_process_on_this_host_is_alive_even_with_an_old_heartbeat(other_pid):
    old = NOW - timedelta(seconds=liveness.STALE_SECONDS * 10)
    assert writer_alive(Owner(other_pid, HERE, old), now=NOW)


def test_this_process_is_never_another_writer():
    """Its own rows are its to settle; another row with its id was left by a dead process that had
    the same id (a reused pid, or every appam being pid 1 in its container)."""
    assert not writer_alive(Owner(os.getpid(), HERE, NOW), now=NOW)


def test_a_row_left_by_a_dead_process_with_this_processs_id_is_settled(appam_home):
    (sid,) = save(appam_home, make_session(tokens=(10, 20), cost=0.25))
    add_running_row(appam_home, sid, os.getpid())  # written by "pid 1" before, read by "pid 1" now
    with opened(appam_home) as history:
        assert history.summary(sid).status == "interrupted"
        assert history.settle_dead_writers() == 1


def test_a_dead_process_on_this_host_is_dead_at_once():
    assert not writer_alive(Owner(dead_pid(), HERE, NOW), now=NOW)


def test_a_process_we_may_not_signal_is_alive(monkeypatch):
    def refused(pid, sig):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(liveness.os, "kill", refused)
    assert writer_alive(Owner(12345, HERE, NOW - timedelta(minutes=5)), now=NOW)


def test_a_live_pid_with_a_heartbeat_older_than_any_request_is_a_reused_pid():
    ancient = NOW - timedelta(seconds=liveness.PID_REUSE_SECONDS + 1)
    assert not writer_alive(Owner(os.getpid(), HERE, ancient), now=NOW)


def test_on_another_host_only_the_heartbeat_counts():
    fresh = NOW - timedelta(seconds=liveness.STALE_SECONDS - 5)
    stale = NOW - timedelta(seconds=liveness.STALE_SECONDS + 5)
    assert writer_alive(Owner(dead_pid(), "elsewhere.example", fresh), now=NOW)
    assert not writer_alive(Owner(os.getpid(), "elsewhere.example", stale), now=NOW)


def test_an_unknown_owner_is_judged_by_its_heartbeat():
    assert writer_alive(Owner(None, None, NOW), now=NOW)
    assert not writer_alive(Owner(None, None, NOW - timedelta(seconds=liveness.STALE_SECONDS + 1)), now=NOW)
    assert not writer_alive(Owner(None, None, None), now=NOW)


def add_running_row(home: Path, session_id: str, pid: int, output_tokens: int = 7, cost: float = 0.5) -> None:
    """A ledger row left running by the writer ``pid`` (as a kill -9 leaves it), and its session running."""
    conn = sqlite3.connect(home / "sessions.db")
    with conn:
        conn.execute(
            "INSERT INTO requests (session_id, agent_name, model, started_at, status, input_tokens, output_tokens, "
            "cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, usage_estimated, imported, "
            "owner_pid, owner_host, heartbeat_at) VALUES (?, 'default', 'openai/test-model', ?, 'running', 10, ?, "
            "0, 0, 0, ?, 1, 0, ?, ?, ?)",
            (session_id, to_db(NOW), output_tokens, cost, pid, HERE, to_db(NOW)),
        )
        conn.execute("UPDATE sessions SET status = 'running' WHERE id = ?", (session_id,))
    conn.close()


def test_two_processes_settling_at_once_settle_once(appam_home):
    (sid,) = save(appam_home, make_session(tokens=(10, 20), cost=0.25))
    add_running_row(appam_home, sid, dead_pid())
    settled: list[int] = []
    barrier = threading.Barrier(4)

    def settle() -> None:
        with opened(appam_home) as history:
            barrier.wait()
            settled.append(history.settle_dead_writers())

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(settled) == [0, 0, 0, 1]
    with opened(appam_home) as history:
        session = history.load_session(sid, with_requests=True)
    assert session is not None and session.status == "interrupted"
    assert [r.status for r in session.requests] == ["completed", "interrupted"]
    assert session.usage is not None
    assert (session.usage.request_count, session.usage.total_output_tokens) == (2, 27)
    assert session.usage.total_cost_usd == pytest.approx(0.75)
    assert session.usage.estimated_requests == 1


def test_a_live_writer_is_left_alone_and_counted(appam_home, other_pid):
    (sid,) = save(appam_home, make_session(tokens=(10, 20), cost=0.25))
    add_running_row(appam_home, sid, other_pid)
    with opened(appam_home) as history:
        assert history.settle_dead_writers() == 0
        summary = history.summary(sid)
    assert summary is not None and summary.status == "running"


def test_each_request_sent_has_its_own_ledger_row(cli):
    cli.server.enqueue(rate_limit_error(retry_after=0.1), Reply("after the wait"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert len(cli.server.requests) == 2
    with opened(cli.home) as history:
        (summary,) = history.list_sessions()
        session = history.load_session(summary.session_id, with_requests=True)
    assert session is not None and session.usage is not None
    assert [r.status for r in session.requests] == [RequestStatus.FAILED, RequestStatus.COMPLETED]
    assert session.usage.request_count == 2


def test_a_running_request_is_in_the_ledger_while_it_streams(cli, appam_home, monkeypatch):
    """Seen from inside: the row the turn opened is there, running, before the answer ends."""
    from appam_cli.agent import turn

    seen: list[tuple[str, int | None]] = []
    original = turn._Turn._consume

    def consume(self, events):  # the request is sent; no answer read yet
        with opened(appam_home) as history:
            rows = history.conn.execute("SELECT status, owner_pid FROM requests").fetchall()
        seen.extend((r["status"], r["owner_pid"]) for r in rows)
        return original(self, events)

    monkeypatch.setattr(turn._Turn, "_consume", consume)
    cli.server.enqueue(Reply("ok"))
    assert cli.run("q").exit_code == 0
    assert seen == [("running", os.getpid())]

