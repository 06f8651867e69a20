"""Hostile text never reaches the terminal raw.

Control sequences in a model's answer or an imported session (OSC 52 clipboard writes,
OSC 0 titles, screen clears, cursor moves, C1 CSI, bidi overrides, OSC 8 hidden links)
are shown visibly on a terminal; stored text and ``--raw`` into a pipe keep the bytes.
"""

from __future__ import annotations

import pytest

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
