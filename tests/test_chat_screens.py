"""The chat at several widths, and the chat commands that must do what they say (issue 13, items 5-9).

A real ``appam chat`` in a pseudo-terminal of 40, 60, 110 and 140 columns, read with pyte (as
``test_chat_pty.py`` does): the opening line breaks between its parts, never inside one; the
toolbar keeps the cost and the context used to the last. Then, in one session: Ctrl-C at an
empty prompt, /undo after /system, /copy inside tmux, /open, /clear, and a reopened session
showing its last exchange.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pexpect
import pyte
import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import load, sessions
from test_chat_pty import WAIT, ChatPty, chat_env

pytestmark = pytest.mark.e2e  # every test drives `appam chat` in a pseudo-terminal

ROWS = 30
PRICED = "openai/gpt-4o-mini"  # in litellm's price map: a cost and a context window to show


class SizedChat(ChatPty):
    """``appam <args>`` in a pseudo-terminal ``columns`` wide."""

    def __init__(self, args: list[str], env: dict[str, str], columns: int) -> None:
        self.child = pexpect.spawn(APPAM, args, dimensions=(ROWS, columns), env=env, timeout=WAIT)
        self.child.delaybeforesend = None
        self.screen = pyte.Screen(columns, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.output = b""
        self.columns = columns


@pytest.fixture
def chats():
    opened: list[ChatPty] = []
    yield opened
    for chat in opened:
        chat.close()


def start(chats, home: Path, columns: int, *args: str, env: dict | None = None) -> SizedChat:
    chat = SizedChat(list(args), env or chat_env(home), columns)
    chats.append(chat)
    chat.wait_prompt()
    return chat


@pytest.mark.parametrize("columns", [40, 60, 110, 140])
def test_banner_and_toolbar_fit_the_width(provider, appam_home, chats, columns):
    chat = start(chats, appam_home, columns, "chat", "-m", PRICED, "--api-base", provider.url, "--no-save")
    lines = chat.text().splitlines()
    banner = [line for line in lines[: lines.index(">")] if line]
    # broken between its parts, never inside one
    for part in ("appam chat", PRICED, "not saved (--no-save)", "Enter sends", "Esc-Enter new line", "Ctrl-D quits"):
        assert any(part in line for line in banner), (part, banner)
    assert all(len(line) <= columns for line in banner)
    assert len(banner) == (1 if columns >= 140 else len(banner))

    provider.enqueue(Reply("a short answer", usage={"prompt_tokens": 1800, "completion_tokens": 68}))
    chat.submit("hello")
    bar = chat.toolbar()
    assert "$" in bar, bar  # the cost stays at every width
    assert re.search(r"(context|ctx) ~?1\.9k ?/ ?128k", bar), bar  # and the context used
    assert len(chat.screen.display[-1].rstrip()) <= columns
    if columns >= 110:
        assert "1,868 tokens" in bar
    chat.ctrl("d")
    assert chat.wait_exit() == 0


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_chat_commands_do_what_they_say(provider, appam_home, chats, cli, tmp_path):
    other = cli.run("remember the number 42", "--raw")
    assert other.exit_code == 0, other.stderr
    (other_id,) = [s.session_id for s in sessions(appam_home)]
    long_answer = "\n".join(f"answer line {i}" for i in range(1, 12))
    provider.enqueue(Reply(long_answer))
    first = cli.run("a question with a long answer", "--raw")
    assert first.exit_code == 0, first.stderr
    (session_id,) = [s.session_id for s in sessions(appam_home) if s.session_id != other_id]

    # a fake tmux that records what it was asked and what it was given
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls, given = tmp_path / "tmux-args", tmp_path / "tmux-stdin"
    write_script(bin_dir / "tmux", f'echo "$@" >> "{calls}"\ncat > "{given}"\n')
    env = chat_env(appam_home, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", TMUX="/tmp/tmux-1/default,1,0")

    # `appam continue ID`: the last exchange, shortened, above the prompt
    chat = start(chats, appam_home, 60, "continue", session_id[:8], "--api-base", provider.url, env=env)
    screen = chat.text()
    assert "> a question with a long answer" in screen
    assert "answer line 1" in screen and "answer line 6" in screen and "answer line 7" not in screen
    assert f"… shortened; all of it: appam sessions show {session_id[:8]}" in screen

    # Ctrl-C at an empty prompt says how to leave, and leaves nothing else
    chat.ctrl("c")
    chat.wait_for("Ctrl-D or /exit to leave")
    chat.wait_prompt()

    # /undo after /system: the question and its answer go, the system prompt stays and is sent
    chat.submit("/system Be terse.")
    chat.submit("/undo")
    assert "the system prompt set after it stays" in chat.flat()
    assert [(m.role, m.content) for m in load(appam_home, session_id).messages] == [("system", "Be terse.")]
    chat.submit("/system")
    assert "system prompt: Be terse." in chat.text()
    chat.submit("next question")
    sent = provider.chat_requests[-1].body["messages"]
    assert [(m["role"], m["content"]) for m in sent] == [("system", "Be terse."), ("user", "next question")]

    # /copy inside tmux: tmux's own buffer, and the message says so
    chat.submit("/copy")
    assert calls.read_text().split() == ["load-buffer", "-w", "-"]
    assert given.read_text() == "echo: next question"
    assert "into tmux's paste buffer" in chat.flat() and "OSC 52" not in chat.flat()

    # /open: Tab completes the command and the ids; the chat switches, shows that session's last exchange
    chat.child.send("/op")
    chat.wait_for("switch to a saved session")
    chat.child.send("\t")
    chat.wait(lambda: chat.cursor_line().endswith("/open"), "the completed command")
    chat.child.send(" ")
    chat.wait_for("remember the number 42")  # the menu: recent sessions, with their titles
    chat.child.send("\t")
    chat.wait(lambda: chat.cursor_line().endswith(f"/open {other_id[:8]}"), "the completed id")
    chat.child.send("\r")  # the first Enter takes the completion
    chat.wait(lambda: "remember the number 42" not in chat.text(), "the menu to close")
    chat.child.send("\r")
    chat.wait_prompt()
    assert f'opened session {other_id[:8]} "remember the number 42"' in chat.flat()
    assert "> remember the number 42" in chat.text() and "echo: remember the number 42" in chat.text()
    chat.submit("what was it?")
    assert [m.content for m in load(appam_home, other_id).messages][-2:] == ["what was it?", "echo: what was it?"]
    assert len(load(appam_home, session_id).messages) == 3  # the first session is left as it was

    chat.submit("/open nosuchid")
    assert "no session matches" in chat.flat() and f"the chat stays in session {other_id[:8]}" in chat.flat()

    # /help lists both; /clear clears the screen
    chat.submit("/help")
    assert "/open ID" in chat.text() and "/clear" in chat.text()
    chat.submit("/clear")
    assert "/help" not in chat.text() and "remember" not in chat.text()
    assert chat.screen.cursor.y == 0 and chat.cursor_line() == ">"
    chat.ctrl("d")
    assert chat.wait_exit() == 0
