"""What a function's docstring says: its description and one line per parameter.

Three common styles are read::

    Google                 NumPy                    reST / Sphinx
    Args:                  Parameters               :param path: the file
        path: the file     ----------
        limit (int): how   path : str
            many lines         the file

The description is the text before the first section. Pure text handling, no imports.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_GOOGLE_PARAMS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
_GOOGLE_OTHER = {
    "returns", "return", "yields", "raises", "examples", "example", "notes", "note", "see also",
    "attributes", "warnings", "warning", "todo", "references",
}
_GOOGLE_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(:.*)?$")
_REST_PARAM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")
_REST_FIELD = re.compile(r"^:\w+")


@dataclass
class Docstring:
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(lines: list[str]) -> str:
    return " ".join(part.strip() for part in lines if part.strip())


def parse_docstring(doc: str | None) -> Docstring:
    if not doc or not doc.strip():
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    result = Docstring()
    intro: list[str] = []
    i = 0
    in_intro = True
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        heading = stripped.rstrip(":").lower()
        numpy_heading = i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip() or "x") is not None
        if stripped.endswith(":") and heading in _GOOGLE_PARAMS | _GOOGLE_OTHER and _indent(line) == 0:
            in_intro = False
            i = _google_section(lines, i + 1, result if heading in _GOOGLE_PARAMS else None)
            continue
        if numpy_heading and _indent(line) == 0:
            in_intro = False
            i = _numpy_section(lines, i + 2, result if heading in _GOOGLE_PARAMS else None)
            continue
        match = _REST_PARAM.match(stripped)
        if match:
            in_intro = False
            text = [match.group(2)]
            i += 1
            while i < len(lines) and lines[i].strip() and not _REST_FIELD.match(lines[i].strip()):
                text.append(lines[i])
                i += 1
            result.params[match.group(1)] = _join(text)
            continue
        if _REST_FIELD.match(stripped):
            in_intro = False
        if in_intro:
            intro.append(line)
        i += 1
    result.description = _unwrap(intro)
    return result


def _unwrap(lines: list[str]) -> str:
    """Paragraphs kept apart, the lines within one joined (a docstring wraps at its own width)."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def _google_section(lines: list[str], i: int, into: Docstring | None) -> int:
    """Items indented under the heading; a continuation is indented deeper than its item."""
    item_indent: int | None = None
    name: str | None = None
    text: list[str] = []

    def flush() -> None:
        if into is not None and name is not None:
            into.params[name.lstrip("*")] = _join(text)

    while i < len(lines):
        line = lines[i]
        if line.strip() and _indent(line) == 0:
            break
        if not line.strip():
            i += 1
            continue
        if item_indent is None:
            item_indent = _indent(line)
        match = _GOOGLE_ITEM.match(line.strip()) if _indent(line) <= item_indent else None
        if match:
            flush()
            name, text = match.group(1), [match.group(3)]
        else:
            text.append(line)
        i += 1
    flush()
    return i


def _numpy_section(lines: list[str], i: int, into: Docstring | None) -> int:
    name: str | None = None
    text: list[str] = []

    def flush() -> None:
        if into is not None and name is not None:
            into.params[name.lstrip("*")] = _join(text)

    while i < len(lines):
        line = lines[i]
        if _indent(line) == 0 and line.strip():
            if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
                break  # the next section
            match = _NUMPY_ITEM.match(line.strip())
            if match:
                flush()
                name, text = match.group(1), []
                i += 1
                continue
        text.append(line)
        i += 1
    flush()
    return i
