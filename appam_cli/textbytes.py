"""Text that came from outside as bytes: command-line arguments and standard input.

Python decodes arguments with ``surrogateescape``, so bytes that are not UTF-8 arrive as lone
surrogates that SQLite, JSON and the terminal all refuse. These helpers tell such text apart,
show it safely in a one-line error (``ab\\xffcd``) and, for a prompt, repair it.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"


def is_utf8(text: str) -> bool:
    """True when ``text`` can be written as UTF-8 (it holds no undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _raw(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that was never a byte
        return text.encode("utf-8", "surrogatepass")


def printable(text: str) -> str:
    """``text`` with its undecodable bytes written as ``\\xNN``, safe to print."""
    return _raw(text).decode("utf-8", "backslashreplace")


def repaired(text: str) -> str:
    """``text`` with each undecodable byte replaced by U+FFFD."""
    return text if is_utf8(text) else _raw(text).decode("utf-8", "replace")
