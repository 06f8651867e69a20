"""Split streamed Markdown into top-level blocks, incrementally.

`BlockSplitter` is fed text deltas and hands back the pieces that are *finished*:
nothing that arrives later can change how they render. Only complete lines are
looked at, each once, so the work stays linear in the answer length.

How a cut is decided:

1. A cheap line-by-line model proposes one: before the first line of a new block
   (after a blank line that does not continue a list or an indented code block;
   after a heading, rule or closed code fence; or before a line that interrupts a
   paragraph, such as a heading or a fence).
2. markdown-it, the parser behind ``rich.markdown``, confirms it: the pending
   block plus that next line is parsed, and no top-level block may run across
   the cut. Only then is the block handed out. Block structure up to a line is
   settled once the line after it is known, so a confirmed cut stays right.

A proposal that markdown-it rejects (odd input: HTML blocks, lazy lines, ...)
keeps the lines together, which renders exactly like the one-shot document; the
next proposal waits until the pending block has doubled, so rejections stay cheap.

Two kinds of blocks may grow without bound and are cut *inside*:

* a fenced code block is handed out as `CodePart`s of whole code lines;
* a long list is cut between its top-level items (`Block.continues_list`).

Pure Python (markdown-it only), no Rich: the live view turns pieces into renderables.
Not handled: a link reference definition (``[x]: url``) only applies to links in
its own block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_HR = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_ITEM = re.compile(r"^( {0,3})(?:[-+*]|(\d{1,9})[.)])(?:[ \t]|$)")
_QUOTE = re.compile(r"^ {0,3}>")
_HTML = re.compile(r"^ {0,3}<[A-Za-z/!?]")

# What the model thinks the pending block is.
PARA, LIST, QUOTE, FENCE, ICODE, DONE = "para", "list", "quote", "fence", "icode", "done"
_LIST_OPEN = ("bullet_list_open", "ordered_list_open")


@dataclass(frozen=True)
class Block:
    """Markdown source of one or more whole top-level blocks.

    ``continues_list``: the text goes on a list whose earlier items were already
    handed out (rendered alone it would start a new list).
    """

    text: str
    continues_list: bool = False


@dataclass(frozen=True)
class CodePart:
    """Some lines of a fenced code block that was cut for height."""

    lexer: str
    code: str
    first: bool
    last: bool


@dataclass(frozen=True)
class CodeTail:
    """The open fenced code block: its complete lines and the line being written."""

    lexer: str
    done: str | None  # None: no complete line yet
    partial: str
    first: bool  # nothing of this fence handed out yet


Piece = Block | CodePart


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt().enable("strikethrough").enable("table")  # as rich.markdown does


def _indent(line: str) -> int:
    stripped = line.lstrip(" \t")
    return len(line[: len(line) - len(stripped)].expandtabs(4))


def _dedent(line: str, columns: int) -> str:
    """Remove up to columns of leading whitespace; a tab cut in two leaves spaces."""
    width = index = 0
    while index < len(line) and width < columns and line[index] in " \t":
        width += 4 - width % 4 if line[index] == "\t" else 1
        index += 1
    return " " * (width - columns) + line[index:] if width > columns else line[index:]


def _is_blank(line: str) -> bool:
    return not line.strip()


def _fence_open(line: str) -> re.Match[str] | None:
    match = _FENCE_OPEN.match(line)
    if match and match.group(2)[0] == "`" and "`" in match.group(3):
        return None  # a backtick fence's info string may not hold backticks
    return match


def _content_indent(line: str, item: re.Match[str]) -> int:
    """The column where a list item's text starts (1-4 spaces after the marker)."""
    marker_end = len(item.group(0).rstrip(" \t"))
    rest = line[marker_end:]
    spaces = len(rest) - len(rest.lstrip(" "))
    return marker_end + (spaces if 1 <= spaces <= 4 and rest.strip() else 1)


def _starts_block(line: str) -> bool:
    """Lines that end a paragraph without a blank line before them."""
    return bool(_ATX.match(line) or _fence_open(line) or _HTML.match(line))


class BlockSplitter:
    """Incremental top-level block splitter (see the module docstring).

    ``fence_batch``: a code fence is cut once this many of its lines are pending
    (before a top-level line when there is one, at ``2 * fence_batch`` anyway).
    ``list_batch``: a bullet list taller than this is cut before its last item.
    ``max_lines``: the cap for every cut-able block (ordered lists too): set it
    from the terminal height.
    """

    def __init__(self, *, fence_batch: int = 16, list_batch: int = 24, max_lines: int = 40) -> None:
        self.fence_batch = fence_batch
        self.list_batch = list_batch
        self.max_lines = max_lines
        self._partial = ""  # text after the last newline
        self._out: list[Piece] = []
        self._reset()

    # -- feeding -------------------------------------------------------------------

    def feed(self, text: str) -> list[Piece]:
        """Add streamed text; return the pieces it finished."""
        if "\n" not in text:
            self._partial += text
            return []
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line[:-1] if line.endswith("\r") else line)
        return self._take()

    def close(self) -> list[Piece]:
        """The text is complete: return everything not handed out yet."""
        if self._partial:
            partial, self._partial = self._partial, ""
            self._line(partial)
        self._emit()
        return self._take()

    def tail(self) -> Block | CodeTail | None:
        """What is still open (unfinished blocks plus the incomplete last line)."""
        lines = self._lines
        if self._kind == FENCE:
            code = self._fence_code(lines[0 if self._fence_cut else 1 :] + [self._partial])
            done = "\n".join(code[:-1]) if len(code) > 1 else None
            return CodeTail(self._lexer, done, code[-1], first=not self._fence_cut)
        if not lines and not self._partial.strip():
            return None
        text = "\n".join(lines + [self._partial]) if lines else self._partial
        return Block(self._renumber(text), continues_list=self._list_cut)

    # -- state ---------------------------------------------------------------------

    def _reset(self) -> None:
        self._kind: str | None = None
        self._lines: list[str] = []
        self._after_blank = False
        self._retry_at = 0  # after a rejected cut: propose again at this many lines
        self._sure_end = False  # a DONE block that certainly ended (a closed fence)
        self._fence = ("", 0, 0)  # char, length, indent
        self._fence_cut = False  # part of the current fence already handed out
        self._lexer = "text"
        self._items = 0  # top-level items in the pending list
        self._content_indent = 0  # where the text of its last top-level item starts
        self._list_cut = False  # earlier items of this list were handed out
        self._next_number = 1  # ...and this is the number of its first pending item

    def _take(self) -> list[Piece]:
        out, self._out = self._out, []
        return out

    def _emit(self) -> None:
        """Hand out the pending lines (blank ones at the end dropped); start afresh."""
        lines = self._lines
        while lines and _is_blank(lines[-1]):
            lines.pop()
        if self._kind == FENCE and self._fence_cut:
            code = "\n".join(self._fence_code(lines)).rstrip()
            self._out.append(CodePart(self._lexer, code, first=False, last=True))
        elif lines:
            self._out.append(Block(self._renumber("\n".join(lines)), self._list_cut))
        self._reset()

    # -- one complete line ---------------------------------------------------------

    def _line(self, line: str) -> None:
        kind = self._kind
        if kind == FENCE:
            self._fence_line(line)
        elif kind is None:
            if not _is_blank(line):
                self._start(line)
        elif _is_blank(line):
            self._lines.append(line)
            self._after_blank = True
        elif self._proposes_cut(line) and self._cut_confirmed(line):
            self._emit()
            self._start(line)
        else:
            self._after_blank = False
            self._append(line)

    def _proposes_cut(self, line: str) -> bool:
        """Does the model see a new top-level block starting at line?"""
        if len(self._lines) < self._retry_at:
            return False
        kind, indent = self._kind, _indent(line)
        if kind == DONE:
            return True
        if self._after_blank:
            if kind == ICODE:
                return indent < 4
            if kind == LIST:
                return indent == 0 and not _ITEM.match(line)
            return True
        if kind == ICODE:
            return indent < 4
        if kind == PARA:
            return _starts_block(line)
        if kind == QUOTE:
            return _starts_block(line) or bool(_HR.match(line))
        # a list: only a line left of its item's text, that cannot be a lazy continuation
        return indent < self._content_indent and bool(
            _starts_block(line) or _HR.match(line) or _QUOTE.match(line)
        )

    def _cut_confirmed(self, line: str) -> bool:
        """Ask markdown-it: does a top-level block start at line?"""
        cut = len(self._lines)
        if self._sure_end:
            return True
        for token in _parser().parse("\n".join(self._lines + [line])):
            if token.level == 0 and token.map and token.map[0] < cut < token.map[1]:
                self._retry_at = 2 * (cut + 1)
                return False
        return True

    def _start(self, line: str) -> None:
        """First line of a new top-level block."""
        self._lines.append(line)
        fence = _fence_open(line)
        if fence:
            marker = fence.group(2)
            self._kind = FENCE
            self._fence = (marker[0], len(marker), len(fence.group(1)))
            self._lexer = fence.group(3).strip().partition(" ")[0] or "text"
        elif _ATX.match(line) or _HR.match(line):
            self._kind = DONE  # single-line blocks
        elif _ITEM.match(line):
            self._begin_list(line)
        elif _QUOTE.match(line):
            self._kind = QUOTE
        elif _indent(line) >= 4:
            self._kind = ICODE
        else:
            self._kind = PARA

    def _append(self, line: str) -> None:
        self._lines.append(line)
        item = _ITEM.match(line)
        if not item or _HR.match(line):
            return
        if self._kind in (PARA, QUOTE):
            self._begin_list(line)  # perhaps a list interrupting it
        elif self._kind == LIST and _indent(line) < self._content_indent:
            self._content_indent = _content_indent(line, item)  # not nested: a top-level item
            self._items += 1
            self._cut_list(ordered=item.group(2) is not None)

    def _begin_list(self, line: str) -> None:
        item = _ITEM.match(line)
        assert item is not None
        self._kind = LIST
        self._items = 1
        self._content_indent = _content_indent(line, item)

    # -- fences --------------------------------------------------------------------

    def _fence_line(self, line: str) -> None:
        self._lines.append(line)
        close = _FENCE_CLOSE.match(line)
        char, length, _ = self._fence
        if close and close.group(1)[0] == char and len(close.group(1)) >= length:
            if self._fence_cut:
                self._lines.pop()  # the closing marker is not code
                self._emit()
            else:  # the fence started a confirmed block; its end is unambiguous
                self._kind, self._sure_end = DONE, True
            return
        self._cut_fence()

    def _fence_code(self, lines: list[str]) -> list[str]:
        """Code lines as markdown-it gives them: the fence's indent removed."""
        indent = self._fence[2]
        return [_dedent(line, indent) for line in lines] if indent else lines

    def _cut_fence(self) -> None:
        start = 0 if self._fence_cut else 1  # skip the opening ``` line
        code = self._lines[start:]
        n = len(code)
        if n < self.fence_batch:
            return
        last_text = max((i for i, ln in enumerate(code) if not _is_blank(ln)), default=0)
        if last_text == 0:
            return  # keep a non-blank line for the last part (the code is rstripped)
        cut = 0
        # prefer cutting before a top-level line: highlighting keeps its context
        for i in range(last_text, self.fence_batch // 2 - 1, -1):
            if not _is_blank(code[i]) and _indent(code[i]) <= self._fence[2]:
                cut = i
                break
        if not cut and n >= min(2 * self.fence_batch, self.max_lines):
            cut = last_text
        if cut:
            part = "\n".join(self._fence_code(code[:cut]))
            self._out.append(CodePart(self._lexer, part, first=not self._fence_cut, last=False))
            self._lines = code[cut:]
            self._fence_cut = True

    # -- long lists ----------------------------------------------------------------

    def _cut_list(self, ordered: bool) -> None:
        """A top-level item just started: hand out the ones before it if the list is tall.
        Ordered lists are cut late: the numbers' width depends on the last number."""
        limit = self.max_lines if ordered else min(self.list_batch, self.max_lines)
        if self._items < 2 or len(self._lines) <= max(limit, self._retry_at):
            return
        cut = len(self._lines) - 1
        tokens = _parser().parse("\n".join(self._lines))
        lists = [(t, t.map[0]) for t in tokens if t.level == 0 and t.map and t.map[0] < cut < t.map[1]]
        item_lines = [t.map[0] for t in tokens if t.type == "list_item_open" and t.level == 1 and t.map]
        if not lists or lists[0][0].type not in _LIST_OPEN or cut not in item_lines:
            self._retry_at = 2 * len(self._lines)  # markdown-it disagrees: not an item here
            return
        top_list, list_line = lists[0]
        before = sum(1 for line in item_lines if list_line <= line < cut)
        number = 0  # bullets
        if top_list.type == "ordered_list_open":
            start = self._next_number if self._list_cut else int(top_list.attrs.get("start", 1))
            number = start + before
        self._emit_list_part(cut, number)

    def _emit_list_part(self, cut: int, next_number: int) -> None:
        done, rest = self._lines[:cut], self._lines[cut:]
        while done and _is_blank(done[-1]):
            done.pop()
        self._out.append(Block(self._renumber("\n".join(done)), self._list_cut))
        self._lines = rest
        self._items = 1
        self._list_cut = True
        self._next_number = next_number

    def _renumber(self, text: str) -> str:
        """A continued ordered list must keep counting where the last part stopped."""
        if not (self._list_cut and self._next_number):
            return text
        return re.sub(r"^( {0,3})\d{1,9}", lambda m: f"{m.group(1)}{self._next_number}", text, count=1)
