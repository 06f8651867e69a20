"""Hostile text never reaches the terminal raw.

Control sequences in a model's answer or an imported session (OSC 52 clipboard writes,
OSC 0 titles, screen clears, cursor moves, C1 CSI, bidi overrides, OSC 8 hidden links)
are shown visibly on a terminal; stored text and ``--raw`` into a pipe keep the bytes.
"""

from __future__ import annotations

import io
import json
import subprocess

import pytest
from conftest import APPAM
from provider_server import Reply
from test_render_pty import run_in_pty, screen_lines

from appam_cli.render.plain import PlainView
from appam_cli.render.safe_text import SafeStream, safe_text

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
OSC0 = "\x1b]0;pwned title\x07"
CLEAR = "\x1b[2J"
MOVE = "\x1b[3;7H"
C1_CSI = "\x9b31m"
BIDI = "\u202eevil\u202c"
OSC8 = "\x1b]8;;https://hidden.example/\x1b\\click me\x1b]8;;\x1b\\"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (OSC52, "^[]52;c;ZWNobyBwd25lZA==^G"),
        (OSC0, "^[]0;pwned title^G"),
        (CLEAR, "^[[2J"),
        (C1_CSI, "<U+009B>31m"),
        (BIDI, "<U+202E>evil<U+202C>"),
        ("\u2066a\u2069", "<U+2066>a<U+2069>"),
        ("a\bb\x7f", "a^Hb^?"),
        ("over\rwrite", "over^Mwrite"),
        ("dos\r\nline", "dos\nline"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("ünïcode → fine 😀", "ünïcode → fine 😀"),
    ],
)
def test_safe_text_shows_control_characters(raw, shown):
    assert safe_text(raw) == shown


def test_safe_text_leaves_no_control_character():
    import unicodedata

    every = "".join(chr(c) for c in range(0x2100)) + "\u2066\u2067\u2068\u2069"
    out = safe_text(every)
    bad = [c for c in out if c not in "\n\t" and (unicodedata.category(c) == "Cc" or "\u202a" <= c <= "\u202e")]
    assert not bad and not any(c in out for c in "\u2066\u2067\u2068\u2069")


def test_safe_stream_joins_a_line_end_cut_in_two():
    stream = SafeStream()
    assert [stream.feed(p) for p in ("a\r", "\nb\r", "c\x1b", "[2J")] + [stream.close()] == [
        "a",
        "\nb",
        "^Mc^[",
        "[2J",
        "",
    ]
    stream.feed("end\r")
    assert stream.close() == "^M"


# -- the views, in process ---------------------------------------------------------------

RAW_SEQUENCES = [OSC52[:5], OSC0[:4], CLEAR, MOVE, "\x9b", "\u202e", "\u202c", "\x1b]8;"]
HOSTILE = (
    f"Visible start.\n\n{OSC52} clipboard\n\n{OSC0} title\n\n{CLEAR} cleared {MOVE} moved\n\n"
    f"{C1_CSI} coloured\n\n{BIDI} bidi\n\n{OSC8}\n\nSee [docs](https://evil.example) now.\n"
)
SHOWN = [
    "Visible start.",
    "^[]52;c;ZWNobyBwd25lZA==^G clipboard",
    "^[]0;pwned title^G title",
    "^[[2J cleared ^[[3;7H moved",
    "<U+009B>31m coloured",
    "<U+202E>evil<U+202C> bidi",
    "https://hidden.example/",
    "click me",
]


def assert_no_raw(written: str) -> None:
    for sequence in RAW_SEQUENCES:
        assert sequence not in written, (sequence, written)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_view_on_a_terminal_shows_control_characters():
    out, err = Tty(), Tty()
    view = PlainView(out, err=err, show_reasoning=True)
    view.reasoning(f"thinking {OSC0}\n")
    view.tool_call(f"tool{CLEAR}", f'{{"a": "{OSC52}"}}')
    for i in range(0, len(HOSTILE), 5):
        view.content(HOSTILE[i : i + 5])
    view.finish()
    assert_no_raw(out.getvalue())
    assert_no_raw(err.getvalue())
    for shown in SHOWN:
        assert shown in out.getvalue()
    assert "^[]0;pwned title^G" in err.getvalue() and "tool^[[2J" in err.getvalue()


def test_plain_view_into_a_pipe_keeps_the_bytes():
    out = io.StringIO()
    view = PlainView(out, err=io.StringIO())
    for i in range(0, len(HOSTILE), 5):
        view.content(HOSTILE[i : i + 5])
    view.finish()
    assert out.getvalue() == HOSTILE


def test_live_view_shows_control_characters_and_link_addresses():
    from rich.console import Console

    from appam_cli.render.live import LiveMarkdownView

    console = Console(file=io.StringIO(), width=100, height=50, force_terminal=True, color_system="256")
    view = LiveMarkdownView(console, show_reasoning=True, auto_refresh=False)
    view.start()
    view.reasoning(f"thinking {OSC0}\n\n")
    view.tool_call(f"tool{CLEAR}", f'{{"a": "{OSC52}"}}')
    for i in range(0, len(HOSTILE), 5):
        view.content(HOSTILE[i : i + 5])
        view.refresh()
    view.finish()
    written = console.file.getvalue()
    assert_no_raw(written)
    screen = "\n".join(screen_lines(written.encode()))
    for shown in [*SHOWN, "docs (https://evil.example)", "^[]0;pwned title^G", "tool^[[2J"]:
        assert shown in screen, (shown, screen)


# -- real processes: what a terminal (a pty) and a pipe receive ----------------------------

MODEL = ("-m", "openai/test-model")


def pty_screen(output: bytes) -> str:
    written = output.decode("utf-8", errors="replace")
    assert_no_raw(written)
    return "\n".join(screen_lines(output))


@pytest.mark.e2e
@pytest.mark.parametrize("raw", [False, True], ids=["live", "raw"])
def test_run_on_a_terminal_shows_control_characters(provider, offline_cli, raw):
    chunks = [HOSTILE[i : i + 6] for i in range(0, len(HOSTILE), 6)]
    provider.enqueue(Reply(chunks, reasoning=f"reasoning {OSC0} done\n"))
    argv = [APPAM, "run", "q", *MODEL, "--api-base", provider.url, *(["--raw"] if raw else [])]
    screen = pty_screen(run_in_pty(argv))
    for shown in SHOWN:
        assert shown in screen, (shown, screen)
    assert "reasoning ^[]0;pwned title^G done" in screen  # on stderr in the raw view
    assert ("[docs](https://evil.example)" if raw else "docs (https://evil.example)") in screen
    # the store keeps what the model sent, byte for byte
    stored = json.loads(offline_cli("sessions", "show", "last", "--json").stdout)
    assert stored["messages"][-1]["content"] == HOSTILE


@pytest.mark.e2e
def test_run_raw_into_a_pipe_keeps_the_bytes(provider):
    """Not a terminal: the exact bytes (a guard, this passed before too)."""
    provider.enqueue(Reply([HOSTILE[i : i + 6] for i in range(0, len(HOSTILE), 6)]))
    argv = [APPAM, "run", "q", "--raw", *MODEL, "--api-base", provider.url]
    done = subprocess.run(argv, capture_output=True, timeout=120, check=True)
    assert done.stdout == HOSTILE.encode()


@pytest.fixture
def hostile_session(cli):
    """A saved session whose title, prompt and answer carry control sequences."""
    cli.server.enqueue(Reply(HOSTILE))
    assert cli.run(f"{OSC0}{BIDI} question").exit_code == 0


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("sessions", "list"), ["^[]0;pwned"]),
        (("sessions", "show", "last", "--no-pager"), [*SHOWN, "docs (https://evil.example)", "^[]0;pwned title^G"]),
        (("sessions", "show", "last", "--raw", "--no-pager"), [*SHOWN, "^[]0;pwned title^G<U+202E>evil"]),
        (("sessions", "search", "clipboard"), ["^[]52;c;", "^[]0;pwned title^G<U+202E>evil"]),
        (("sessions", "export", "last", "-f", "markdown"), [*SHOWN, "^[]0;pwned title^G"]),
    ],
    ids=["list", "show", "show-raw", "search", "export-markdown"],
)
def test_sessions_commands_on_a_terminal_show_control_characters(hostile_session, args, expected):
    screen = pty_screen(run_in_pty([APPAM, *args]))
    for shown in expected:
        assert shown in screen, (shown, screen)
