"""Writers for ``sessions export``: one session at a time, so any number of sessions streams.

- ``json``: the Session in the seed's shape plus ``title``, ``status``, ``parent_id`` and
  ``requests`` (the ledger rows), indented. ``single`` (one id named on the command line):
  that object alone; otherwise a list, written item by item (the same bytes as
  ``json.dumps(list, indent=2)``).
- ``jsonl``: the same object, one session per line.
- ``openai``: the messages as the OpenAI chat API takes them (``reasoning`` and appam's
  bookkeeping left out). ``single``: the messages array itself, ready to send as ``messages``;
  otherwise one ``{"messages": [...]}`` per line (the chat fine-tuning / batch shape).
- ``markdown``: a readable transcript with a metadata header (``export.markdown``); sessions
  separated by a horizontal rule.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from appam_cli.datamodel import Session
from appam_cli.datamodel.message import provider_messages

FORMATS = ("json", "jsonl", "markdown", "openai")


def session_record(session: Session) -> dict[str, Any]:
    """What json and jsonl carry for one session (and what import reads back)."""
    return session.to_dict(include_requests=True)


def openai_messages(session: Session) -> list[dict[str, Any]]:
    return provider_messages(session.messages, thinking=False)  # the OpenAI API takes no thinking blocks


def _dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


class Writer:
    def __init__(self, out: TextIO, *, single: bool) -> None:
        self.out = out
        self.single = single
        self.count = 0

    def write(self, session: Session) -> None:
        self._write(session)
        self.count += 1

    def _write(self, session: Session) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish the document (closing bracket of a list)."""


class JsonWriter(Writer):
    def _write(self, session: Session) -> None:
        text = _dumps(session_record(session), indent=2)
        if self.single:
            self.out.write(text + "\n")
            return
        self.out.write("[\n" if self.count == 0 else ",\n")
        self.out.write("\n".join("  " + line for line in text.split("\n")))

    def close(self) -> None:
        if not self.single:
            self.out.write("\n]\n" if self.count else "[]\n")


class JsonlWriter(Writer):
    def _write(self, session: Session) -> None:
        self.out.write(_dumps(session_record(session)) + "\n")


class OpenAIWriter(Writer):
    def _write(self, session: Session) -> None:
        if self.single:
            self.out.write(_dumps(openai_messages(session), indent=2) + "\n")
        else:
            self.out.write(_dumps({"messages": openai_messages(session)}) + "\n")


class MarkdownWriter(Writer):
    def _write(self, session: Session) -> None:
        from appam_cli.export.markdown import session_markdown

        if self.count:
            self.out.write("\n---\n\n")
        self.out.write(session_markdown(session))


_WRITERS = {"json": JsonWriter, "jsonl": JsonlWriter, "openai": OpenAIWriter, "markdown": MarkdownWriter}


def make_writer(fmt: str, out: TextIO, *, single: bool) -> Writer:
    return _WRITERS[fmt](out, single=single)
