"""The chat's pieces without a terminal: reading a line, /undo and /retry on a session, the toolbar."""

from __future__ import annotations

import pytest

from appam_cli.config import load_settings
from appam_cli.datamodel import ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.repl import commands
from appam_cli.repl.handler import EXIT, NOTHING, RETRY, SEND, handle_line
from appam_cli.repl.state import ChatOptions, ChatState
from appam_cli.repl.toolbar import compact, toolbar_text
from appam_cli.store import SessionHistory


@pytest.mark.parametrize(
    "line, expected",
    [
        ("hello", "hello"),
        ("/usr/bin/env is slow", "/usr/bin/env is slow"),
        ("//etc is a folder", "/etc is a folder"),
        ("/help", ("help", "")),
        ("/he", ("help", "")),
        ("/quit", ("exit", "")),
        ("/model  openai/gpt-4o ", ("model", "openai/gpt-4o")),
        ("/system Be terse.\nAlways.", ("system", "Be terse.\nAlways.")),
        ("/e", (None, "")),  # /edit or /exit: ambiguous
        ("/tmp is full", (None, "is full")),
    ],
)
def test_parse(line, expected):
    parsed = commands.parse(line)
    if isinstance(expected, str):
        assert parsed == expected
    else:
        assert (parsed.name, parsed.arg) == expected


def test_unknown_command_hints():
    assert "did you mean /undo?" in commands.unknown_hint("undi")
    assert "did you mean /exit or /edit?" in commands.unknown_hint("e")
    assert "begin it with //" in commands.unknown_hint("tmp")


@pytest.mark.parametrize("n, text", [(0, "0"), (999, "999"), (1234, "1.2k"), (12_345, "12k"), (128_000, "128k"),
                                     (1_000_000, "1M"), (1_048_576, "1M"), (2_500_000, "2.5M")])
def test_compact(n, text):
    assert compact(n) == text


def make_state(appam_home, messages, *, model="gpt-4o-mini") -> ChatState:
    history = SessionHistory()
    session = Session(model=model, messages=list(messages))
    state = ChatState(load_settings(), history, history, session, model, ChatOptions())
    history.save_session(session)
    state.persisted = True
    return state


def stored(appam_home, session_id):
    return [(m.role, m.content) for m in SessionHistory().load_session(session_id).messages]


def test_undo_and_retry_change_the_session_and_the_store(appam_home):
    state = make_state(appam_home, [
        ChatMessage("user", "q1"), ChatMessage("assistant", "a1"),
        ChatMessage("user", "q2"), ChatMessage("assistant", "a2", status="incomplete"),
    ])
    sid = state.session.session_id
    assert handle_line(state, "/retry") == handle_line(state, "/retry")  # twice: still the same question
    assert handle_line(state, "/retry").kind == RETRY
    assert [m.content for m in state.session.messages] == ["q1", "a1", "q2"]
    assert handle_line(state, "/undo").kind == NOTHING
    assert stored(appam_home, sid) == [("user", "q1"), ("assistant", "a1")]
    assert state.session.status == "completed"
    handle_line(state, "/undo")
    handle_line(state, "/undo")  # nothing left: says so
    assert stored(appam_home, sid) == []
    assert handle_line(state, "/retry").kind == NOTHING  # no question to answer


def test_plain_lines_and_exit(appam_home):
    state = make_state(appam_home, [])
    assert handle_line(state, "\n  indented code\n\n") == handle_line(state, "  indented code")
    assert handle_line(state, "  indented code").kind == SEND
    assert handle_line(state, "   \n").kind == NOTHING
    assert handle_line(state, "/exit").kind == EXIT


def test_toolbar(appam_home):
    state = make_state(appam_home, [])
    assert toolbar_text(state).split("│")[:2] == [" gpt-4o-mini  ", "  new session "]
    state.session.messages += [ChatMessage("user", "x" * 4000), ChatMessage("assistant", "y" * 400)]
    record = RequestRecord("gpt-4o-mini", RequestUsage(input_tokens=1000, output_tokens=100), cost_usd=0.0002)
    state.session.requests.append(record)
    state.session.usage = None
    from appam_cli.datamodel import AggregatedUsage

    state.session.usage = AggregatedUsage()
    state.session.usage.add_request(record.usage, record.cost_usd)
    state.load_context_window()
    text = toolbar_text(state)
    assert f"session {state.session.session_id[:8]}" in text
    assert "1,100 tokens · $0.0002" in text
    assert "context 1.1k / 128k (1%)" in text
    state.model = "openai/no-such-model"  # window unknown: the context part is hidden
    assert "context" not in toolbar_text(state)


def test_a_turn_without_a_prompt_answers_the_conversation_as_it_stands(provider, appam_home):
    """What /retry relies on: run_turn(prompt=None) sends the messages as they are."""
    from appam_cli.agent import Agent
    from appam_cli.errors import UserError

    agent = Agent("openai/test-model", api_base=provider.url, retries=0)
    session = Session(model="openai/test-model", messages=[ChatMessage("user", "again please")])
    agent.stream(None, session).run()
    assert [(m.role, m.content) for m in session.messages] == [
        ("user", "again please"), ("assistant", "echo: again please")
    ]
    with pytest.raises(UserError):
        agent.stream(None, session).run()  # it ends with an answer: nothing to answer
    assert len(session.messages) == 2 and len(provider.chat_requests) == 1
