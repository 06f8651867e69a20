"""SearchHit and SearchResult: what a full-text search of the saved messages found.

A hit's snippet carries the matched words between two marks, control characters that
never occur in stored text, so that whoever shows it can tell them from the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appam_cli.datamodel.times import to_iso

MARK_START = "\x02"
MARK_END = "\x03"


@dataclass
class SearchHit:
    session_id: str
    title: str | None
    number: int  # the message's number in its session, from 1 (as `sessions show` and `fork --at` count)
    role: str
    model: str | None
    timestamp: datetime | None
    snippet: str  # matched words between MARK_START and MARK_END
    rank: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "title": self.title,
            "message_number": self.number,
            "role": self.role,
            "model": self.model,
            "timestamp": to_iso(self.timestamp),
            "snippet": marked(self.snippet, "", ""),
            "highlights": highlight_spans(self.snippet),
            "rank": self.rank,
        }


@dataclass
class SearchResult:
    hits: list[SearchHit]
    fallback: bool = False  # no FTS5: a LIKE scan was used
    plain_words: bool = False  # the query was not FTS5 syntax and was searched as plain words


def marked(snippet: str, start: str, end: str) -> str:
    return snippet.replace(MARK_START, start).replace(MARK_END, end)


def highlight_spans(snippet: str) -> list[list[int]]:
    """``[start, end)`` offsets of the matched words in the snippet without its marks."""
    spans, plain_len, start = [], 0, None
    for part in re.split(f"([{MARK_START}{MARK_END}])", snippet):
        if part == MARK_START:
            start = plain_len
        elif part == MARK_END:
            if start is not None:
                spans.append([start, plain_len])
            start = None
        else:
            plain_len += len(part)
    return spans
