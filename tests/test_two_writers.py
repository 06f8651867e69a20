"""Two writers on one session, in the store: two SessionHistory objects on one file stand for two
processes. Appending never replaces another writer's message, an exchange stays together, a
writer deletes only rows it stored or loaded, and a deleted session is never recreated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sessions_store import backdate, make_session

from appam_cli.agent.busy import refuse_if_busy
from appam_cli.datamodel import ChatMessage, RequestRecord, RequestStatus, SessionStatus
from appam_cli.datamodel.times import utcnow
from appam_cli.errors import SessionBusy, SessionDeleted
from appam_cli.store import SessionHistory


def contents(history: SessionHistory, sid: str) -> list[str | None]:
    return [m.content for m in history.load_session(sid).messages]


def positions(history: SessionHistory, sid: str) -> list[int]:
    rows = history.conn.execute("SELECT position FROM messages WHERE session_id = ? ORDER BY position", (sid,))
    return [r[0] for r in rows]


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "sessions.db"
    first, second = SessionHistory(db_path=path), SessionHistory(db_path=path)
    yield first, second
    first.close()
    second.close()


def start_turn(history: SessionHistory, session, prompt: str) -> None:
    """A turn begins: the question is saved and its answer's row reserved, the session running."""
    session.messages.append(ChatMessage("user", prompt))
    session.status = SessionStatus.RUNNING
    history.save_session(session, reserve_answer=True)


def exchange(session, prompt, answer):
    session.messages += [ChatMessage("user", prompt), ChatMessage("assistant", answer)]


def test_a_writer_with_a_shorter_list_never_erases_what_another_appended(two):
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    other = b.load_session(session.session_id)
    exchange(session, "q2", "a2")
    a.save_session(session)
    exchange(other, "q3", "a3")
    b.save_session(other)
    assert contents(a, session.session_id) == ["q1", "a1", "q2", "a2", "q3", "a3"]
    assert positions(a, session.session_id) == list(range(6))
    assert a.summary(session.session_id).message_count == 6


def test_a_turn_reserves_its_answer_so_the_exchange_stays_together(two):
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    other = b.load_session(session.session_id)
    start_turn(a, session, "q2")  # a's turn starts: the answer's place is taken
    other.messages.append(ChatMessage("user", "q3"))  # b's turn starts meanwhile and ends first
    b.save_session(other, reserve_answer=True)
    other.messages.append(ChatMessage("assistant", "a3"))
    other.status = SessionStatus.COMPLETED
    b.save_session(other)
    answer = ChatMessage("assistant", "a2 so far")  # a's answer streams into its reserved row
    session.messages.append(answer)
    a.checkpoint_message(session, len(session.messages) - 1)
    answer.content = "a2"
    session.status = SessionStatus.COMPLETED
    a.save_session(session)
    assert contents(a, session.session_id) == ["q1", "a1", "q2", "a2", "q3", "a3"]
    assert positions(a, session.session_id) == list(range(6))


def test_a_turn_that_ends_without_an_answer_gives_its_place_back(two):
    a, _ = two
    session = make_session("q1", "a1")
    a.save_session(session)
    start_turn(a, session, "q2")
    assert contents(a, session.session_id) == ["q1", "a1", "q2", None]  # the reserved answer, empty
    session.status = SessionStatus.FAILED
    a.save_session(session)
    assert contents(a, session.session_id) == ["q1", "a1", "q2"]
    assert a.summary(session.session_id).message_count == 3


def test_undo_removes_only_the_rows_this_writer_stored(two):
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    other = b.load_session(session.session_id)
    exchange(other, "q2", "a2")
    b.save_session(other)
    del session.messages[:]  # a, not knowing of b's exchange, undoes everything it has
    a.save_session(session)
    assert contents(b, session.session_id) == ["q2", "a2"]


def test_refresh_brings_in_what_another_writer_added_in_store_order(two):
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    other = b.load_session(session.session_id)
    exchange(other, "q2", "a2")
    b.save_session(other)
    session.messages.append(ChatMessage("user", "not saved yet"))
    assert a.refresh(session) == 2
    assert [m.content for m in session.messages] == ["q1", "a1", "q2", "a2", "not saved yet"]
    session.messages.pop()
    exchange(session, "q3", "a3")
    a.save_session(session)
    assert contents(b, session.session_id) == ["q1", "a1", "q2", "a2", "q3", "a3"]


def test_a_deleted_session_is_never_recreated(two):
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    b.delete_sessions([session.session_id], force=True)
    session.messages.append(ChatMessage("user", "q2"))
    with pytest.raises(SessionDeleted, match="deleted by another appam command"):
        a.save_session(session)
    with pytest.raises(SessionDeleted):
        a.refresh(session)
    assert b.summary(session.session_id) is None and b.message_count(session.session_id) == 0


def test_a_checkpoint_into_a_deleted_session_stops_and_writes_nothing(two):
    a, b = two
    session = make_session("q1", "a1")
    session.status = SessionStatus.RUNNING
    a.save_session(session, reserve_answer=True)
    b.delete_sessions([session.session_id], force=True)
    session.messages.append(ChatMessage("assistant", "partial"))
    with pytest.raises(SessionDeleted):
        a.checkpoint_message(session, len(session.messages) - 1)
    assert b.summary(session.session_id) is None and b.message_count(session.session_id) == 0


def test_deleting_a_session_being_answered_needs_force(two):
    a, b = two
    busy = make_session("busy", "…", status="running")
    done = make_session("done", "yes")
    a.save_session(busy)
    a.save_session(done)
    with pytest.raises(SessionBusy, match=f"session {busy.session_id[:8]} is being answered.*--force"):
        b.delete_sessions([busy.session_id, done.session_id])
    assert b.session_count() == 2  # nothing deleted
    result = b.delete_sessions([busy.session_id, done.session_id], skip_busy=True)
    assert (result.deleted, result.kept) == (1, [busy.session_id])
    assert b.delete_sessions([busy.session_id], force=True).deleted == 1


def test_a_running_session_left_for_dead_may_be_deleted(two, tmp_path):
    a, b = two
    stale = make_session("stale", "…", status="running")
    a.save_session(stale)
    backdate(tmp_path, [stale.session_id], utcnow() - timedelta(minutes=5))
    assert b.delete_sessions([stale.session_id]).deleted == 1


def test_pruning_skips_a_session_being_answered(tmp_path):
    path = tmp_path / "sessions.db"
    history = SessionHistory(db_path=path)
    busy = make_session("busy", "…", status="running")
    history.save_session(busy)
    backdate(tmp_path, [busy.session_id], utcnow() - timedelta(seconds=10))  # older than the new one, yet fresh
    pruning = SessionHistory(db_path=path, max_sessions=1)
    pruning.save_session(make_session("new", "one"))
    assert busy.session_id in pruning.session_ids()
    assert pruning.session_count() == 2


def test_the_place_of_an_answer_that_never_came_is_not_sent_to_the_model(two):
    from appam_cli.datamodel.message import provider_messages

    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    start_turn(a, session, "q2")  # and then the process is killed before the first byte
    reloaded = b.load_session(session.session_id)
    assert [(m.role, m.content, m.status) for m in reloaded.messages][-1] == ("assistant", None, "incomplete")
    assert [m["content"] for m in provider_messages(reloaded.messages)] == ["q1", "a1", "q2"]


def test_sessions_delete_refuses_a_running_session_unless_forced(offline_cli, appam_home):
    from sessions_store import save, sessions

    busy, idle = save(appam_home, make_session("busy", "…", status="running"), make_session("idle", "done"))
    offline_cli("sessions", "delete", busy[:8], idle, "--yes").error_line(
        f"session {busy[:8]} is being answered by another appam now: nothing deleted", "--force"
    )
    assert len(sessions(appam_home)) == 2
    bulk = offline_cli("sessions", "delete", "--older-than", "0s", "--yes")
    assert bulk.exit_code == 0 and "Deleted 1 session " in bulk.stdout
    assert f"kept 1 session another appam is answering now ({busy[:8]}); --force deletes it too" in bulk.stderr
    assert offline_cli("sessions", "delete", "--all", "--yes", "--force").stdout.startswith("Deleted 1 session ")
    assert sessions(appam_home) == []


# -- a turn whose final save failed (a full disk): the chat goes on with its own rows -----------


def failed_turn(history: SessionHistory, *, checkpoint: bool):
    """A turn that reserved its answer's row, opened its ledger row, maybe checkpointed part of the
    answer, and then could not save the end (as when the disk fills: the transaction rolls back)."""
    session = make_session("q1", "a1")
    history.save_session(session)
    start_turn(history, session, "q2")
    record = RequestRecord("openai/test-model", status=RequestStatus.RUNNING)
    session.requests.append(record)
    history.open_request(session, record)
    answer = ChatMessage("assistant", "the first half")
    session.messages.append(answer)
    if checkpoint:
        history.checkpoint_message(session, len(session.messages) - 1)
    answer.content = "the first half and the rest"
    record.status = RequestStatus.COMPLETED
    return session


@pytest.mark.parametrize("checkpoint", [True, False], ids=["checkpointed", "not-checkpointed"])
def test_after_a_failed_final_save_the_chat_is_not_busy_and_loses_nothing(tmp_path, checkpoint):
    history = SessionHistory(db_path=tmp_path / "sessions.db")
    session = failed_turn(history, checkpoint=checkpoint)
    sid = session.session_id
    refuse_if_busy(history, sid)  # its own running row is not "another appam answering"
    assert history.refresh(session) == 0  # its own reserved row is not a message another appam added
    assert [m.content for m in session.messages] == ["q1", "a1", "q2", "the first half and the rest"]
    session.status = SessionStatus.COMPLETED
    history.save_session(session)  # the store takes it again: the next save writes what was kept
    assert contents(history, sid) == ["q1", "a1", "q2", "the first half and the rest"]
    assert positions(history, sid) == [0, 1, 2, 3]
    status = history.conn.execute("SELECT status FROM requests").fetchall()
    assert [r[0] for r in status] == ["completed", "completed"]  # make_session's row, then this turn's


def test_asking_again_after_a_failed_turn_reuses_the_row_it_reserved(tmp_path):
    history = SessionHistory(db_path=tmp_path / "sessions.db")
    session = failed_turn(history, checkpoint=False)
    session.messages.pop()  # /retry: the answer is withdrawn and the question asked again
    history.save_session(session, reserve_answer=True)
    session.messages.append(ChatMessage("assistant", "asked again"))
    session.status = SessionStatus.COMPLETED
    history.save_session(session)
    assert contents(history, session.session_id) == ["q1", "a1", "q2", "asked again"]
    assert positions(history, session.session_id) == [0, 1, 2, 3]  # no empty reserved row left behind


def test_a_pruning_that_fails_after_the_save_does_not_fail_the_save(tmp_path, monkeypatch):
    """Pruning (``[history] max_sessions``) runs after the save has committed: a busy or full store
    then must not turn a saved answer into a "NOT saved" one."""
    import sqlite3

    history = SessionHistory(db_path=tmp_path / "sessions.db", max_sessions=1)

    def busy(keep=None):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(history, "enforce_max_sessions", busy)
    session = make_session("q1", "a1")
    history.save_session(session)
    assert contents(history, session.session_id) == ["q1", "a1"]


def test_a_row_given_back_is_never_deleted_when_another_writer_gets_its_id(two):
    """SQLite may give a deleted row's id to the next insert, another writer's."""
    a, b = two
    session = make_session("q1", "a1")
    a.save_session(session)
    start_turn(a, session, "q2")
    session.status = SessionStatus.FAILED  # a provider error: no answer, the reserved row goes
    a.save_session(session)
    other = b.load_session(session.session_id)
    exchange(other, "q3", "a3")
    b.save_session(other)
    start_turn(a, session, "q4")  # no refresh in between (the Python API)
    assert contents(a, session.session_id)[:6] == ["q1", "a1", "q2", "q3", "a3", "q4"]
