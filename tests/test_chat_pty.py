"""The chat REPL in a real pseudo-terminal, against the loopback provider, through real litellm.

``ChatPty`` runs ``appam chat`` in a 120x40 pty and keeps a pyte screen of it (what a
user would see), answering the cursor-position requests prompt-toolkit sends as a
terminal would. Each test is one REPL session walking through several steps, since
every session pays for loading litellm in its provider worker (~3-4 s); after each
step the store is checked (rows, statuses) and the screen where it matters.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path

import pexpect
import pyte
import pytest
from conftest import APPAM
from provider_server import HTTPError, Reply, context_window_error
from sessions_store import load, only_session, opened, sessions

pytestmark = pytest.mark.e2e  # every test drives `appam chat` in a pseudo-terminal

COLUMNS, ROWS = 120, 40
WAIT = 90  # seconds: generous upper bounds for a loaded machine, never measurements
CPR_REQUEST = b"\x1b[6n"
SLOW = [f"word{i} " for i in range(300)]


def chat_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", APPAM_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DISPLAY", None)
    env.update(extra)
    return env


class ChatPty:
    """``appam <args>`` in a pseudo-terminal, with the screen as a user sees it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.child = pexpect.spawn(APPAM, args, dimensions=(ROWS, COLUMNS), env=env, timeout=WAIT)
        self.child.delaybeforesend = None
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.output = b""

    # -- reading ---------------------------------------------------------------------

    def pump(self, timeout: float = 0.05) -> bool:
        """Read what the program wrote (if anything) into the screen; False at EOF."""
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.output += data
        self.stream.feed(data)
        for _ in range(data.count(CPR_REQUEST)):  # answer like a terminal: where the cursor is
            self.child.send(f"\x1b[{self.screen.cursor.y + 1};{self.screen.cursor.x + 1}R")
        return True

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def flat(self) -> str:
        """The screen as one line, whitespace collapsed: text the terminal wrapped reads whole."""
        return re.sub(r"\s+", " ", "".join(self.screen.display))

    def cursor_line(self) -> str:
        return self.screen.display[self.screen.cursor.y].rstrip()

    def toolbar(self) -> str:
        return self.screen.display[-1].strip()

    def wait(self, condition, what: str, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if not self.pump() and not condition():
                raise AssertionError(f"appam exited while waiting for {what}; screen:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{self.text()}")

    def wait_for(self, text: str, timeout: float = WAIT) -> None:
        self.wait(lambda: text in self.text(), repr(text), timeout)

    def wait_prompt(self) -> None:
        """An empty prompt with the toolbar under it: the chat waits for input."""
        self.wait(lambda: self.cursor_line() == ">" and "│" in self.toolbar(), "the prompt")

    # -- typing ----------------------------------------------------------------------

    def type(self, text: str) -> None:
        self.child.send(text)
        last = text.split("\n")[-1].split("\x1b\r")[-1]
        self.wait(lambda: self.cursor_line().endswith(last.rstrip()), f"the echo of {last!r}")

    def submit(self, text: str) -> None:
        """Type a line, press Enter, wait until the chat is back at an empty prompt."""
        self.type(text)
        self.child.send("\r")
        self.wait_prompt()

    def ctrl(self, key: str) -> None:
        self.child.send(chr(ord(key.upper()) - 64))

    def wait_exit(self) -> int | None:
        """Read everything up to the end; the exit status."""
        deadline = time.monotonic() + WAIT
        while self.pump(0.2):
            assert time.monotonic() < deadline, f"appam did not exit; screen:\n{self.text()}"
        self.child.close()
        return self.child.exitstatus

    def close(self) -> int | None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus


def start_chat(home: Path, *args: str, env: dict | None = None) -> ChatPty:
    chat = ChatPty(list(args), env or chat_env(home))
    chat.wait_prompt()
    return chat


def messages(home: Path, session_id: str | None = None) -> list[tuple]:
    """(role, content, status) of a session's messages; without an id, of the session updated last."""
    return [(m.role, m.content, m.status) for m in load(home, session_id).messages]


def saved_messages(home: Path) -> int:
    """How many messages the store holds (0 while it does not exist yet)."""
    if not (home / "sessions.db").exists():
        return 0
    with opened(home) as history:
        return sum(history.message_count(s.session_id) for s in history.list_sessions(limit=None))


def session_status(home: Path) -> str:
    """The status of the session updated last."""
    return load(home).status


def chat_args(provider, *extra: str) -> list[str]:
    return ["chat", "-m", "openai/test-model", "--api-base", provider.url, "--retries", "0", *extra]


@pytest.fixture
def chats():
    opened: list[ChatPty] = []
    yield opened
    for chat in opened:
        chat.close()


# -- typing, multi-line, paste, Ctrl-C at the prompt, Ctrl-D ------------------------------------


def test_prompt_multiline_paste_and_exit(provider, appam_home, chats):
    chat = start_chat(appam_home, *chat_args(provider))
    chats.append(chat)
    assert "appam chat · openai/test-model" in chat.text()
    assert "openai/test-model" in chat.toolbar() and "new session" in chat.toolbar()
    history_file = appam_home / "input_history"
    assert stat.S_IMODE(history_file.stat().st_mode) == 0o600
    assert not (appam_home / "sessions.db").exists()  # the session is created by the first message

    chat.submit("hello there")
    assert "echo: hello there" in chat.text()
    assert messages(appam_home) == [
        ("user", "hello there", "completed"),
        ("assistant", "echo: hello there", "completed"),
    ]
    assert session_status(appam_home) == "completed"
    session_id = only_session(appam_home).session_id
    assert f"session {session_id[:8]}" in chat.toolbar()
    assert re.search(r"\d+ tokens", chat.toolbar())

    # Esc-Enter (what Alt-Enter sends) inserts a new line; Enter sends both lines as one message.
    chat.type("line one\x1b\rline two")
    assert ". line two" in chat.text()  # the continuation prompt
    chat.child.send("\r")
    chat.wait_prompt()
    assert messages(appam_home)[-2:] == [
        ("user", "line one\nline two", "completed"),
        ("assistant", "echo: line one\nline two", "completed"),
    ]

    # A bracketed paste keeps its new lines and is sent only on Enter, as one message.
    chat.child.send("\x1b[200~pasted a\npasted b\x1b[201~")
    chat.wait(lambda: chat.cursor_line().endswith("pasted b"), "the pasted text")
    assert len(messages(appam_home)) == 4
    chat.child.send("\r")
    chat.wait_prompt()
    assert messages(appam_home)[-2][1] == "pasted a\npasted b"
    assert len(messages(appam_home)) == 6

    # Ctrl-C at the prompt drops the line; nothing is sent.
    chat.type("discard me")
    chat.ctrl("c")
    chat.wait_prompt()
    chat.submit("kept")
    assert [m[1] for m in messages(appam_home) if m[0] == "user"] == [
        "hello there", "line one\nline two", "pasted a\npasted b", "kept"
    ]

    # An unknown command gets a hint, not a model call.
    sent = len(provider.chat_requests)
    chat.submit("/undi")
    assert "unknown command /undi: did you mean /undo?" in chat.text()
    assert len(provider.chat_requests) == sent
    # //text is a message that starts with a slash.
    chat.submit("//etc is a folder")
    assert messages(appam_home)[-2][1] == "/etc is a folder"

    # Ctrl-R searches earlier input; Enter takes the match, the next Enter sends it.
    chat.ctrl("r")
    chat.child.send("line o")
    chat.wait_for("I-search backward: line o")
    chat.child.send("\r")
    recalled = "> line one\n. line two"
    chat.wait(lambda: chat.text().count(recalled) == 2 and "I-search" not in chat.text(), "the recalled message")
    chat.child.send("\r")
    chat.wait_prompt()
    assert messages(appam_home)[-2] == ("user", "line one\nline two", "completed")

    # Ctrl-D leaves with the session id and its usage.
    chat.ctrl("d")
    assert chat.wait_exit() == 0
    assert "continue it with: appam continue" in chat.text()
    assert f"session {session_id[:8]} ·" in chat.text()
    assert "6 requests" in chat.text()
    history = history_file.read_text()
    for line in ("+hello there", "+line one", "+line two", "+pasted a", "+kept", "+/undi"):
        assert line in history
    assert stat.S_IMODE(history_file.stat().st_mode) == 0o600


# -- Ctrl-C mid-answer, /retry, /undo, errors --------------------------------------------------


def test_ctrl_c_cancels_the_answer_and_the_chat_goes_on(provider, appam_home, chats):
    chat = start_chat(appam_home, *chat_args(provider))
    chats.append(chat)
    chat.submit("first question")
    session_id = only_session(appam_home).session_id

    # Ctrl-C while the answer streams: that answer stops, is saved as incomplete, the chat stays.
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    chat.type("count slowly")
    chat.child.send("\r")
    chat.wait_for("word8")
    chat.ctrl("c")
    chat.wait_prompt()
    assert "[interrupted]" in chat.text()
    assert "answer cancelled; what arrived is saved, marked incomplete" in chat.flat()
    role, content, status = messages(appam_home)[-1]
    assert (role, status) == ("assistant", "incomplete")
    assert content.startswith("word0 word1 word2 word3 word4 word5 word6 word7 word8")
    assert len(content.split()) < 300
    assert session_status(appam_home) == "interrupted"
    assert [r.status for r in load(appam_home, session_id).requests] == ["completed", "interrupted"]
    assert chat.child.isalive()

    # /retry drops the cut answer and asks again: the same question, a new complete answer.
    provider.enqueue(Reply("a fresh answer"))
    chat.submit("/retry")
    assert messages(appam_home) == [
        ("user", "first question", "completed"),
        ("assistant", "echo: first question", "completed"),
        ("user", "count slowly", "completed"),
        ("assistant", "a fresh answer", "completed"),
    ]
    assert provider.chat_requests[-1].body["messages"][-1] == {"role": "user", "content": "count slowly"}
    assert session_status(appam_home) == "completed"

    # A provider error: one line, the question kept, the chat alive; /retry sends it again.
    provider.enqueue(HTTPError(500))
    chat.submit("will fail once")
    assert "appam: server error from" in chat.text()
    assert "your message is kept · /retry sends it again" in chat.flat()
    assert "Traceback" not in chat.text()
    assert messages(appam_home)[-1] == ("user", "will fail once", "completed")
    assert session_status(appam_home) == "failed"
    chat.submit("/retry")
    assert messages(appam_home)[-2:] == [
        ("user", "will fail once", "completed"),
        ("assistant", "echo: will fail once", "completed"),
    ]

    # /undo removes the last exchange from the session and the store.
    chat.submit("/undo")
    assert "removed the last exchange (2 messages); 4 left" in chat.text()
    assert [m[1] for m in messages(appam_home)] == [
        "first question", "echo: first question", "count slowly", "a fresh answer"
    ]
    assert [s.message_count for s in sessions(appam_home)] == [4]

    # The conversation no longer fits the context window: say so and offer the ways out.
    provider.enqueue(context_window_error())
    chat.submit("a very long message")
    screen = chat.flat()
    assert "no longer fits" in screen
    assert "/new" in screen and "/undo" in screen and f"appam sessions fork {session_id[:8]} --at N" in screen
    chat.submit("/undo")
    assert len(messages(appam_home)) == 4

    # Still alive after all that: the next turn works.
    chat.submit("still there?")
    assert messages(appam_home)[-1] == ("assistant", "echo: still there?", "completed")
    assert len(sessions(appam_home)) == 1

    # SIGTERM while an answer streams: what arrived is saved, the chat exits 143.
    provider.enqueue(Reply([f"tok{i} " for i in range(300)], chunk_delay=0.05))
    chat.type("one more slow one")
    chat.child.send("\r")
    chat.wait_for("tok5")
    chat.child.kill(signal.SIGTERM)
    assert chat.wait_exit() == 143
    assert "appam: terminated" in chat.text()
    role, content, status = messages(appam_home)[-1]
    assert (role, status) == ("assistant", "incomplete") and content.startswith("tok0 tok1 tok2 tok3 tok4 tok5")
    assert session_status(appam_home) == "interrupted"


# -- slash commands -----------------------------------------------------------------------------


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_slash_commands(provider, appam_home, chats, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    clip = tmp_path / "clipboard.txt"
    write_script(bin_dir / "xclip", f'cat > "{clip}"\n')
    editor = write_script(tmp_path / "editor.sh", 'printf "written in the editor\\nover two lines\\n" > "$1"\n')
    env = chat_env(
        appam_home, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", DISPLAY=":99", EDITOR=str(editor)
    )
    chat = start_chat(appam_home, *chat_args(provider, "-s", "Be brief."), env=env)
    chats.append(chat)

    # Tab completes a command (the menu shows what each one does).
    chat.child.send("/mo")
    chat.wait_for("switch the model")
    chat.child.send("\t")
    chat.wait(lambda: chat.cursor_line().endswith("/model"), "the completed command")
    chat.child.send("\r")  # the first Enter takes the completion
    chat.wait(lambda: "switch the model" not in chat.text(), "the menu to close")
    chat.child.send("\r")
    chat.wait_prompt()
    assert "model: openai/test-model" in chat.text()

    chat.submit("/help")
    for name in ("/exit", "/new", "/retry", "/undo", "/rename TITLE", "/reasoning [on|off]", "/copy", "/edit"):
        assert name in chat.text()

    chat.submit("first")
    session_id = only_session(appam_home).session_id
    assert messages(appam_home)[0] == ("system", "Be brief.", "completed")

    # /model switches the model for the next turns.
    chat.submit("/model openai/other-model")
    assert "model: openai/other-model for the next turns" in chat.flat()
    assert "openai/other-model" in chat.toolbar()
    chat.submit("second")
    assert provider.chat_requests[-1].body["model"] == "other-model"
    assert load(appam_home, session_id).messages[4].model == "openai/other-model"

    # /system mid-conversation: added where it was said, sent from then on.
    chat.submit("/system Answer in French.")
    assert messages(appam_home)[-1] == ("system", "Answer in French.", "completed")
    chat.submit("third")
    sent = provider.chat_requests[-1].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user", "assistant", "system", "user"]

    # /rename: the title in the store.
    chat.submit("/rename Trip planning")
    assert [s.title for s in sessions(appam_home)] == ["Trip planning"]

    chat.submit("/usage")
    assert "Usage of this session" in chat.text() and "requests  3" in chat.text()
    chat.submit("/info")
    assert session_id in chat.text() and "Trip planning" in chat.text()
    assert "input_history" in chat.text()

    chat.submit("/reasoning off")
    assert "reasoning is hidden" in chat.text()
    provider.enqueue(Reply("the visible answer", reasoning="secret thoughts here"))
    chat.submit("think")
    assert "the visible answer" in chat.text() and "secret thoughts" not in chat.text()
    answers = [m for m in load(appam_home, session_id).messages if m.role == "assistant"]
    assert answers[-1].reasoning == "secret thoughts here"  # hidden, yet saved
    chat.submit("/reasoning on")
    provider.enqueue(Reply("another answer", reasoning="shown thoughts"))
    chat.submit("think again")
    assert "shown thoughts" in chat.text() and "another answer" in chat.text()

    # /copy: the last answer to the clipboard tool.
    chat.submit("/copy")
    assert clip.read_text() == "another answer"
    assert "copied the last answer" in chat.text()

    # /edit: the message comes from $EDITOR.
    chat.submit("/edit")
    assert "> written in the editor\n. over two lines" in chat.text()
    assert messages(appam_home)[-2] == ("user", "written in the editor\nover two lines", "completed")

    chat.submit("/sessions")
    assert session_id[:8] in chat.text() and "Trip planning" in chat.text()

    # /new: a new session from the next message on; the old one is kept.
    chat.submit("/new")
    assert f"session {session_id[:8]} is saved; starting a new session" in chat.flat()
    assert "new session" in chat.toolbar()
    chat.submit("in the new session")
    assert len(sessions(appam_home)) == 2
    (newest,) = [s.session_id for s in sessions(appam_home) if s.session_id != session_id]
    assert messages(appam_home, newest)[0] == ("system", "Answer in French.", "completed")
    assert len(messages(appam_home, session_id)) == 14

    chat.type("/exit")
    chat.child.send("\r")
    assert chat.wait_exit() == 0
    assert f"continue it with: appam continue {newest[:8]}" in chat.flat()


# -- reopening a session ------------------------------------------------------------------------


def test_continue_and_session_open_the_repl_on_a_saved_session(provider, appam_home, chats, cli):
    first = cli.run("remember the number 42", "--raw")
    assert first.exit_code == 0, first.stderr
    session_id = only_session(appam_home).session_id

    # `appam continue ID` without a prompt: the REPL on that session.
    chat = start_chat(appam_home, "continue", session_id[:8], "--api-base", provider.url)
    chats.append(chat)
    assert f"continuing {session_id[:8]}" in chat.text()
    assert f"session {session_id[:8]}" in chat.toolbar()
    chat.submit("what was the number?")
    sent = provider.chat_requests[-1].body["messages"]
    assert [m["content"] for m in sent] == ["remember the number 42", "echo: remember the number 42",
                                             "what was the number?"]
    assert len(messages(appam_home, session_id)) == 4
    chat.ctrl("d")
    assert chat.wait_exit() == 0

    # `appam chat -c` (the last session) and `appam chat --session PREFIX`, with --no-save.
    chat = start_chat(appam_home, "chat", "-c", "--api-base", provider.url)
    chats.append(chat)
    assert f"continuing {session_id[:8]}" in chat.text() and "4 messages" in chat.text()
    chat.ctrl("d")
    assert chat.wait_exit() == 0

    chat = start_chat(appam_home, "chat", "--session", session_id[:6], "--no-save", "--api-base", provider.url)
    chats.append(chat)
    assert "(not saved)" in chat.toolbar()
    chat.submit("not kept")
    assert "echo: not kept" in chat.text()
    assert len(messages(appam_home, session_id)) == 4  # --no-save: the store is untouched
    chat.ctrl("d")
    assert chat.wait_exit() == 0
    assert "not saved ·" in chat.text()

    # SIGTERM at the prompt: exit 143 at once, nothing lost.
    chat = start_chat(appam_home, "chat", "-c", "--api-base", provider.url)
    chats.append(chat)
    chat.type("half-typed")
    chat.child.kill(signal.SIGTERM)
    assert chat.wait_exit() == 143
    assert "appam: terminated" in chat.text() and "Traceback" not in chat.text()
    assert len(messages(appam_home, session_id)) == 4


def stop_worker(folder: Path) -> None:
    from appam_cli.providers import worker_control
    from appam_cli.providers.worker_place import Place

    worker_control.stop(Place(folder))
    shutil.rmtree(folder, ignore_errors=True)


def test_a_message_sent_before_litellm_has_loaded(provider, appam_home, chats, tmp_path, request):
    """The user types faster than the worker loads litellm (made slower here): the chat says why
    the answer waits; Ctrl-C then cancels a request not yet sent (the worker goes on loading)."""
    if os.environ.get("APPAM_PROVIDER_WORKER") == "0":
        pytest.skip("the provider worker is off")
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(
        "import sys, time\n"
        "if 'appam_cli.providers.worker' in getattr(sys, 'orig_argv', []):\n"
        "    time.sleep(3)\n"
    )
    # Put first on the path, not instead of it: the chat must still run the code under test.
    path = os.pathsep.join(p for p in (str(slow), os.environ.get("PYTHONPATH")) if p)
    # A worker of its own (not the test session's, loaded long ago), slow to load.
    folder = Path(tempfile.mkdtemp(prefix="appam-slow-"))
    request.addfinalizer(lambda: stop_worker(folder))
    env = chat_env(appam_home, PYTHONPATH=path, APPAM_WORKER_DIR=str(folder))
    chat = start_chat(appam_home, *chat_args(provider), env=env)
    chats.append(chat)
    chat.type("too early")
    chat.child.send("\r")
    chat.wait_for("litellm is still loading")
    chat.wait(lambda: saved_messages(appam_home) > 0, "the message in the store")
    chat.ctrl("c")
    chat.wait_prompt()
    assert "cancelled before the answer started" in chat.flat()
    assert messages(appam_home) == [("user", "too early", "completed")]
    assert session_status(appam_home) == "interrupted"
    assert provider.chat_requests == []

    chat.submit("/retry")  # waits for the new worker, then answers
    assert messages(appam_home) == [("user", "too early", "completed"), ("assistant", "echo: too early", "completed")]
    assert len(provider.chat_requests) == 1
