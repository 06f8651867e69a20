"""Chat pieces without a terminal (issue 13, items 5, 7, 8, 9): the toolbar at every width, the
opening line's breaks, /undo and /system, what /copy says for each way of copying, /open."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from appam_cli.config import load_settings
from appam_cli.datamodel import AggregatedUsage, ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.render.columns import wrap_parts
from appam_cli.repl import clipboard
from appam_cli.repl.banners import last_exchange
from appam_cli.repl.handler import handle_line
from appam_cli.repl.state import ChatOptions, ChatState
from appam_cli.repl.toolbar import toolbar_text
from appam_cli.store import SessionHistory


def make_state(messages, *, model="openai/gpt-4o-mini", save=True) -> ChatState:
    history = SessionHistory()
    session = Session(model=model, messages=list(messages))
    state = ChatState(load_settings(), history, history, session, model, ChatOptions(save=save))
    history.save_session(session)
    state.persisted = True
    return state


def stored(session_id):
    return [(m.role, m.content) for m in SessionHistory().load_session(session_id).messages]


def spent(state: ChatState, tokens: int, cost: float | None) -> None:
    record = RequestRecord(state.model, RequestUsage(input_tokens=tokens - 68, output_tokens=68), cost_usd=cost)
    state.session.requests.append(record)
    state.session.usage = AggregatedUsage()
    state.session.usage.add_request(record.usage, record.cost_usd)


# -- the toolbar ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [30, 40, 50, 60, 80, 110, 140])
def test_the_toolbar_keeps_cost_and_context_to_the_last(appam_home, width):
    state = make_state([ChatMessage("user", "x" * 7000), ChatMessage("assistant", "y")])
    spent(state, 1868, 0.00031)
    state.load_context_window()
    text = toolbar_text(state, width)
    assert len(text) <= width, text
    assert "$0.0003" in text, text
    assert "1.9k" in text and "128k" in text, text
    if width >= 110:
        assert "1,868 tokens" in text and f"session {state.session.session_id[:8]}" in text
    if width <= 60:
        assert "│ 1,868 tokens ·" not in text  # the count gives way before the cost does


def test_the_toolbar_cuts_a_long_model_name_before_the_cost(appam_home):
    state = make_state([ChatMessage("user", "hi"), ChatMessage("assistant", "hello")],
                       model="openrouter/anthropic/claude-sonnet-4-5-20250929")
    spent(state, 500, None)
    text = toolbar_text(state, 40)
    assert len(text) <= 40 and "cost unknown" in text and "openrouter/" in text and "…" in text


def test_the_opening_line_breaks_between_its_parts():
    parts = ["appam chat", "openai/gpt-4o-mini", "not saved (--no-save)", "Enter sends", "Esc-Enter new line",
             "/help", "Ctrl-D quits"]
    for width in (20, 40, 60, 110, 140):
        lines = wrap_parts(parts, width)
        assert " · ".join(lines).split(" · ") == parts  # every part whole, in order
        assert all(len(line) <= width for line in lines if " · " in line)
    assert len(wrap_parts(parts, 140)) == 1


def test_a_reopened_session_shows_its_last_exchange_shortened():
    session = Session(model="m", messages=[
        ChatMessage("user", "old question"), ChatMessage("assistant", "old answer"),
        ChatMessage("user", "new\n\nquestion \x1b[31mred\x1b[0m\nthird line"),
        ChatMessage("assistant", "\n".join(f"line {i} " + "w" * 80 for i in range(10))),
    ])
    shown = last_exchange(session, 60)
    assert "old" not in shown
    assert "new" in shown and "question ^[[31mred^[[0m" in shown  # escapes shown, not obeyed
    assert "third line" not in shown  # two lines of the question at most
    assert "line 5" in shown and "line 6" not in shown
    assert all(len(line) <= 60 for line in shown.replace("\x1b[0m", "").split("\n") if "line" in line)
    assert f"appam sessions show {session.session_id[:8]}" in shown
    assert last_exchange(Session(model="m"), 60) == ""


def test_the_last_exchange_counts_wide_characters_as_two_cells():
    session = Session(model="m", messages=[ChatMessage("user", "日本語" * 20), ChatMessage("assistant", "答" * 50)])
    shown = last_exchange(session, 40, styled=False).split("\n")
    assert shown[0] == "> " + ("日本語" * 7)[:18] + "…"  # 36 cells and the mark, in 38
    assert shown[1] == "答" * 19 + "…"


# -- /undo and /system ---------------------------------------------------------------------


def test_undo_keeps_a_system_prompt_set_after_the_exchange(appam_home, capsys):
    state = make_state([
        ChatMessage("system", "Be brief."), ChatMessage("user", "q1"), ChatMessage("assistant", "a1"),
        ChatMessage("user", "q2"),
        ChatMessage("assistant", None, tool_calls=[{"id": "c1", "type": "function",
                                                    "function": {"name": "f", "arguments": "{}"}}]),
        ChatMessage("tool", "42", tool_call_id="c1", name="f"), ChatMessage("assistant", "a2"),
    ])
    sid = state.session.session_id
    handle_line(state, "/system Answer in French.")
    handle_line(state, "/undo")
    assert "removed the last exchange (4 messages)" in capsys.readouterr().err
    assert stored(sid) == [("system", "Be brief."), ("user", "q1"), ("assistant", "a1"),
                           ("system", "Answer in French.")]
    handle_line(state, "/system")
    assert "system prompt: Answer in French." in capsys.readouterr().err
    handle_line(state, "/undo")
    assert stored(sid) == [("system", "Be brief."), ("system", "Answer in French.")]
    assert state.system_prompt() == "Answer in French."


def test_system_shows_what_a_new_session_will_start_with(appam_home, capsys):
    state = make_state([])
    handle_line(state, "/system")
    assert "no system prompt" in capsys.readouterr().err
    handle_line(state, "/system Be kind.")
    handle_line(state, "/system")
    assert "system prompt: Be kind." in capsys.readouterr().err


# -- /copy --------------------------------------------------------------------------------------


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """A PATH with no clipboard tool, no display, not in tmux; the folder to put fakes in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):
        monkeypatch.delenv(name, raising=False)
    return bin_dir


@pytest.mark.e2e  # runs a fake clipboard tool
def test_copy_inside_tmux_uses_tmux_buffer(appam_home, bare_path, tmp_path, monkeypatch, capsys):
    calls, given = tmp_path / "args", tmp_path / "stdin"
    write_script(bare_path / "tmux", f'echo "$@" > "{calls}"\n/bin/cat > "{given}"\n')
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,123,0")
    state = make_state([ChatMessage("user", "q"), ChatMessage("assistant", "the answer\nof two lines")])
    handle_line(state, "/copy")
    assert calls.read_text().split() == ["load-buffer", "-w", "-"]
    assert given.read_text() == "the answer\nof two lines"
    err = capsys.readouterr().err
    assert "copied the last answer (23 characters) into tmux's paste buffer" in err


@pytest.mark.e2e  # runs a fake clipboard tool
def test_copy_when_tmux_refuses_falls_back_and_never_says_copied(appam_home, bare_path, monkeypatch, capsys):
    write_script(bare_path / "tmux", "/bin/cat > /dev/null\nexit 1\n")
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,123,0")
    sent = []
    monkeypatch.setattr(clipboard, "_osc52", lambda text: sent.append(text) or True)
    state = make_state([ChatMessage("user", "q"), ChatMessage("assistant", "answer")])
    handle_line(state, "/copy")
    err = capsys.readouterr().err
    assert sent == ["answer"]
    assert "sent the last answer (6 characters) to the terminal (OSC 52)" in err and "copied" not in err


@pytest.mark.e2e  # runs a fake clipboard tool
def test_copy_with_a_clipboard_tool_says_which(appam_home, bare_path, tmp_path, monkeypatch, capsys):
    out = tmp_path / "clip"
    write_script(bare_path / "xclip", f'/bin/cat > "{out}"\n')
    monkeypatch.setenv("DISPLAY", ":0")
    state = make_state([ChatMessage("user", "q"), ChatMessage("assistant", "answer")])
    handle_line(state, "/copy")
    assert out.read_text() == "answer"
    assert "copied the last answer (6 characters) with xclip" in capsys.readouterr().err


def test_copy_with_no_way_at_all_says_so(appam_home, bare_path, capsys):
    state = make_state([ChatMessage("user", "q"), ChatMessage("assistant", "answer")])
    handle_line(state, "/copy")  # stdout is not a terminal here: not even OSC 52
    assert "no clipboard here" in capsys.readouterr().err


# -- /open ----------------------------------------------------------------------------------------


def test_open_switches_sessions_and_refuses_a_busy_one(appam_home, capsys):
    from appam_cli.datamodel import SessionStatus

    state = make_state([ChatMessage("user", "here"), ChatMessage("assistant", "now")])
    history = SessionHistory()
    other = Session(model="openai/gpt-4o", title="the other one", status=SessionStatus.COMPLETED,
                    messages=[ChatMessage("user", "there"), ChatMessage("assistant", "then")])
    history.save_session(other)
    handle_line(state, f"/open {other.session_id[:6]}")
    captured = capsys.readouterr()
    assert state.session.session_id == other.session_id, captured.err and state.model == "openai/gpt-4o"
    assert f'opened session {other.session_id[:8]} "the other one" · 2 messages' in captured.err
    assert "> there" in captured.out and "then" in captured.out

    busy = Session(model="m", status=SessionStatus.RUNNING, messages=[ChatMessage("user", "working")])
    history.save_session(busy)
    handle_line(state, f"/open {busy.session_id}")  # its writer (this process) is alive: busy
    err = capsys.readouterr().err
    assert "still being answered by another appam" in err and f"stays in session {other.session_id[:8]}" in err
    assert state.session.session_id == other.session_id
    handle_line(state, "/open")
    assert "usage: /open ID" in capsys.readouterr().err


@pytest.mark.parametrize("columns", ["40", "60", "140"])
def test_a_reopened_session_without_saving_says_so_at_every_width(appam_home, monkeypatch, capsys, columns):
    from appam_cli.repl.banners import greet

    monkeypatch.setenv("COLUMNS", columns)
    state = make_state([ChatMessage("user", "hi"), ChatMessage("assistant", "hello")], save=False)
    greet(state)
    shown = " ".join(capsys.readouterr().out.split())
    assert "new turns not saved (--no-save)" in shown
