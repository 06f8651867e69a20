"""What a tool sends back: text within the output limit, and a plain note of what was left out."""

from __future__ import annotations

import json
from typing import Any

BINARY_PROBE = 8192  # bytes read to tell a binary file (a NUL byte among them) from text
NOT_UTF8_NOTE = "[note: bytes that are not UTF-8 were replaced with U+FFFD]"


def decode(data: bytes) -> tuple[str, bool]:
    """The bytes as text; True when some were not UTF-8 (replaced with U+FFFD)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:BINARY_PROBE]


def cut(text: str, limit: int, more: str = "") -> str:
    """``text`` if it fits in ``limit`` characters; else its beginning and a note saying how much was
    cut and (``more``) how to get the rest. The note is counted within the limit where it can be."""
    if len(text) <= limit:
        return text
    note = f"\n[output cut: showed {{shown}} of {len(text)} characters (limit {limit}){'; ' + more if more else ''}]"
    keep = max(limit - len(note.format(shown=limit)), min(limit, 200))
    return text[:keep] + note.format(shown=keep)


def to_text(value: Any) -> str:
    """A tool function's return value as the text the model reads: strings as they are, None as a
    short line, anything else as JSON (pydantic's encoder: models, dataclasses, dates, paths)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "(done; no output)"
    if isinstance(value, bytes):
        return decode(value)[0]
    from pydantic_core import to_jsonable_python

    return json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False, indent=2)
