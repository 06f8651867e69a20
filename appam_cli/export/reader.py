"""Reading an import file: the json or jsonl that ``sessions export`` writes, from a path or stdin.

The format is told by the content: a first line that is a whole JSON object means jsonl (one
session per line); a first line that starts with ``#`` is Markdown (``sessions export --format
markdown`` writes it for reading, and it cannot be imported: the error says which formats can);
anything else is read as one JSON document, a session object or a list of them.
``records()`` can be called twice (validate, then write): jsonl is streamed from the file each
time, so a large export is never held in memory; stdin is first spooled to a temporary file.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from appam_cli.errors import UserError


@dataclass
class Record:
    location: str  # "line 3" (jsonl), "item 2" (a JSON list) or "" (a single JSON object)
    data: Any


class InputProblem(ValueError):
    """The input is not json/jsonl as exported; ``location`` says where."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(problem)
        self.location = location
        self.problem = problem


def _json_problem(exc: json.JSONDecodeError, line: int | None = None) -> InputProblem:
    if line is None:
        return InputProblem(f"line {exc.lineno} column {exc.colno}", f"not valid JSON ({exc.msg})")
    return InputProblem(f"line {line}", f"not valid JSON ({exc.msg} at column {exc.colno})")


MARKDOWN = (
    "this is Markdown (a `--format markdown` export is for reading), which cannot be imported: "
    "import the json or jsonl that `appam sessions export` writes (--format json, the default, or jsonl), "
    "or an llm database with --from-llm PATH"
)
NESTING_LIMIT = 500  # levels of [ and {; an export needs fewer than ten
_STRING = r'"(?:[^"\\]|\\.)*"'
_BRACKETS = re.compile(_STRING + r"|[\[\]{}]")
_LONG_NUMBER = re.compile(_STRING + r"|\d{4301,}")


def _place(text: str, pos: int, line: int | None) -> str:
    """``line L column C`` of ``pos`` in ``text`` (the text of line ``line`` when given)."""
    column = pos - text.rfind("\n", 0, pos)
    if line is None:
        line = text.count("\n", 0, pos) + 1
    return f"line {line} column {column}"


def _too_deep(text: str, line: int | None) -> InputProblem:
    """Where the nesting first goes past ``NESTING_LIMIT`` (found only once the parser gave up)."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > NESTING_LIMIT:
                return InputProblem(_place(text, match.start(), line), f"nested deeper than {NESTING_LIMIT} levels")
        elif token in "]}":
            depth -= 1
    return InputProblem(f"line {line}" if line else "", "nested too deeply to read")


def _too_long(text: str, line: int | None, problem: str) -> InputProblem:
    """A number past Python's limit on digits (``ValueError`` from ``json.loads``), located."""
    for match in _LONG_NUMBER.finditer(text):
        if not match.group().startswith('"'):
            return InputProblem(_place(text, match.start(), line), "a number with more than 4300 digits")
    return InputProblem(f"line {line}" if line else "", problem)


def _loads(text: str, line: int | None = None) -> Any:
    """``json.loads``, every failure an ``InputProblem`` naming the place (``line`` for jsonl)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_problem(exc, line) from None
    except RecursionError:
        raise _too_deep(text, line) from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise _too_long(text, line, str(exc)) from None


class SessionFile:
    """An import source (a path, or ``-`` for stdin)."""

    def __init__(self, path: str) -> None:
        self.name = "<stdin>" if path == "-" else path
        self._binary = self._open(path)
        self._document: Any = None
        self.format = self._detect()

    @staticmethod
    def _open(path: str) -> IO[bytes]:
        if path == "-":
            spool = tempfile.TemporaryFile()
            shutil.copyfileobj(sys.stdin.buffer, spool)
            return spool
        try:
            return open(path, "rb")  # noqa: SIM115 (closed by close())
        except FileNotFoundError:
            raise UserError(f"cannot import {path}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"cannot import {path}: it is a directory") from None
        except OSError as exc:
            raise UserError(f"cannot import {path}: {exc.strerror}") from None

    def close(self) -> None:
        self._binary.close()

    def _lines(self) -> Iterator[tuple[int, str]]:
        self._binary.seek(0)
        for number, raw in enumerate(self._binary, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputProblem(f"line {number}", "not UTF-8 text") from None

    def _detect(self) -> str:
        try:
            for _, line in self._lines():
                if line.strip():
                    if line.lstrip().startswith("#"):  # no JSON starts so; a Markdown heading does
                        return "markdown"
                    try:
                        return "jsonl" if isinstance(json.loads(line), dict) else "json"
                    except (ValueError, RecursionError):  # reported with its place when read
                        return "json"
        except InputProblem:
            return "json"  # reported with its location when read
        return "empty"

    def records(self) -> Iterator[Record]:
        if self.format == "markdown":
            raise InputProblem("", MARKDOWN)
        if self.format == "jsonl":
            yield from self._jsonl()
        elif self.format == "json":
            yield from self._json()

    def _jsonl(self) -> Iterator[Record]:
        for number, line in self._lines():
            if not line.strip():
                continue
            yield Record(f"line {number}", _loads(line, number))

    def _json(self) -> Iterator[Record]:
        if self._document is None:
            text = "".join(line for _, line in self._lines())
            self._document = _loads(text)
        document = self._document
        if isinstance(document, dict):
            yield Record("", document)
        elif isinstance(document, list):
            if document and all(isinstance(d, dict) and "role" in d and "session_id" not in d for d in document):
                raise InputProblem(
                    "", "this is a messages array (`--format openai`), not sessions: import json or jsonl exports"
                )
            for index, data in enumerate(document, start=1):
                yield Record(f"item {index}", data)
        else:
            raise InputProblem("", "expected a session object or a list of sessions")
