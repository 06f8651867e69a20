"""The Python API against the loopback server: run, stream callbacks, continue_session."""

from __future__ import annotations

import pytest
from provider_server import Reply

from appam_cli import Agent, SessionHistory
from appam_cli.errors import ProviderError, UserError


def make_agent(provider, history=None, **kwargs) -> Agent:
    agent = Agent("openai/test-model", "You are terse.", api_base=provider.url, retries=0, history=history, **kwargs)
    return agent


def test_run_without_history_saves_nothing(provider, tmp_path):
    provider.enqueue(Reply("Paris.", usage={"prompt_tokens": 9, "completion_tokens": 2}))
    session = Agent.quick("openai/test-model", "You are terse.")
    session.api_base = provider.url
    result = session.run("Capital of France?")
    assert result.last_answer() == "Paris."
    assert [m.role for m in result.messages] == ["system", "user", "assistant"]
    assert result.usage.total_tokens() == 11
    assert result.ended_at is not None and result.started_at <= result.ended_at
    assert not (tmp_path / "appam-home" / "sessions.db").exists()


def test_stream_callbacks_and_continue_session(provider, tmp_path):
    history = SessionHistory(db_path=tmp_path / "s.db")
    agent = make_agent(provider, history)
    provider.enqueue(
        Reply(["Hel", "lo"], reasoning="thinking", usage={"prompt_tokens": 10, "completion_tokens": 4}),
        Reply("You said hello.", usage={"prompt_tokens": 20, "completion_tokens": 5}),
    )
    seen: dict[str, list] = {"content": [], "reasoning": [], "done": []}
    session = (
        agent.stream("Hello!")
        .on_content(seen["content"].append)
        .on_reasoning(seen["reasoning"].append)
        .on_done(lambda: seen["done"].append(True))
        .run()
    )
    assert "".join(seen["content"]) == "Hello"
    assert "".join(seen["reasoning"]) == "thinking"
    assert seen["done"] == [True]

    continued = agent.continue_session(session.session_id, "What did I just say?")
    assert continued.session_id == session.session_id
    assert [m.content for m in continued.messages] == [
        "You are terse.",
        "Hello!",
        "Hello",
        "What did I just say?",
        "You said hello.",
    ]
    assert continued.usage.total_input_tokens == 30
    assert continued.usage.total_output_tokens == 9
    assert continued.usage.request_count == 2
    # the provider received the whole history
    assert [m["content"] for m in provider.requests[-1].body["messages"]][-2:] == ["Hello", "What did I just say?"]
    stored = SessionHistory(db_path=tmp_path / "s.db").load_session(session.session_id)
    assert len(stored.messages) == 5
    assert stored.usage.request_count == 2
    assert stored.usage.total_input_tokens == 30


def test_continue_unknown_session(provider, tmp_path):
    agent = make_agent(provider, SessionHistory(db_path=tmp_path / "s.db"))
    with pytest.raises(UserError, match="no session"):
        agent.continue_session("nope", "hi")


def test_provider_error_calls_on_error(provider, tmp_path):
    from provider_server import auth_error

    provider.enqueue(auth_error())
    errors: list[str] = []
    agent = make_agent(provider, SessionHistory(db_path=tmp_path / "s.db"))
    with pytest.raises(ProviderError):
        agent.stream("hi").on_error(errors.append).run()
    assert errors and "authentication failed" in errors[0]
