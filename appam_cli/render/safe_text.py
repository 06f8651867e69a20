"""Text from a model or an imported session made safe to write to a terminal.

That text is data, not terminal commands. Every control character (Unicode
category Cc) except newline and tab, and the bidirectional overrides and
isolates U+202A-U+202E and U+2066-U+2069, is shown visibly instead of being
written raw:

- C0 controls and DEL in caret notation, as ``cat -v`` shows them: ESC is
  ``^[``, BEL ``^G``, backspace ``^H``, a lone carriage return ``^M``, DEL ``^?``.
  An OSC 52 clipboard write reads ``^[]52;c;…^G``.
- C1 controls (U+0080-U+009F, e.g. the one-byte CSI U+009B) and the bidi
  characters as ``<U+009B>``, ``<U+202E>``.

A carriage return right before a newline (Windows line ends) is dropped: it
moves nothing on the screen. Everything else passes unchanged, so text without
such characters comes back as the same string. Pure functions, no imports of
Rich or the store; stored text is never changed, only what is shown.
"""

from __future__ import annotations

import re
from typing import TextIO

_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def visible(char: str) -> str:
    """How one unsafe character is shown."""
    code = ord(char)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    found = match.group(0)
    return "\n" if found == "\r\n" else visible(found)


def safe_text(text: str) -> str:
    """text with every unsafe character made visible (see the module docstring)."""
    return _UNSAFE.sub(_replace, text) if _UNSAFE.search(text) else text


class SafeStream:
    """`safe_text` for text that arrives in pieces: a carriage return at the end of a
    piece waits for the next one (a ``\\r\\n`` cut in two is still a line end)."""

    def __init__(self) -> None:
        self._cr = False

    def feed(self, delta: str) -> str:
        if self._cr:
            delta, self._cr = "\r" + delta, False
        if delta.endswith("\r"):
            delta, self._cr = delta[:-1], True
        return safe_text(delta)

    def close(self) -> str:
        """What is held back (a final lone carriage return, shown as ``^M``)."""
        held, self._cr = ("^M" if self._cr else ""), False
        return held


class SafeWriter:
    """A file-like wrapper that writes `safe_text` of everything to ``target`` (a terminal).
    A carriage return at the very end is dropped: it would show nothing anyway."""

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self._safe = SafeStream()

    def write(self, text: str) -> int:
        self.target.write(self._safe.feed(text))
        return len(text)

    def flush(self) -> None:
        self.target.flush()


__all__ = ["SafeStream", "SafeWriter", "safe_text", "visible"]
