"""The fenced code blocks of an answer (``-x/--extract``): what a pipe wants from "write me a script".

Fences as CommonMark defines them: a line of at least three backticks (whose info string holds no
backtick) or three tildes opens a block; a line of the same character, at least as long and with
nothing after it but spaces, closes it; a block never closed runs to the end of the answer. The
opening fence's indentation is taken off the lines inside, so a block inside a list item comes out
as written. Any indentation is accepted (answers indent fences inside numbered steps); fences inside
block quotes are not looked for.
"""

from __future__ import annotations

import re

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def code_blocks(text: str) -> list[str]:
    """The contents of each fenced code block in ``text``, in order (without the fences)."""
    blocks: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if opened is None or (opened["fence"][0] == "`" and "`" in opened["info"]):
            i += 1
            continue
        fence, indent = opened["fence"], len(opened["indent"].expandtabs(4))
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body.append(_dedent(lines[i], indent))
            i += 1
        i += 1  # the closing fence (or past the end)
        blocks.append("\n".join(body))
    return blocks


def _dedent(line: str, indent: int) -> str:
    """``line`` without up to ``indent`` columns of leading whitespace."""
    rest = line.lstrip(" \t")
    lead = line[: len(line) - len(rest)].expandtabs(4)
    return lead[min(indent, len(lead)):] + rest


def extracted(text: str) -> str | None:
    """What ``-x`` prints: the blocks, each ending with a newline, a blank line between two; None when
    the answer holds no fenced code block."""
    blocks = code_blocks(text)
    if not blocks:
        return None
    return "\n".join(block + "\n" for block in blocks)
