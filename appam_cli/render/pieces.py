"""Rich renderables for what the block splitter hands out.

Imports ``rich.markdown``: only `live` imports this module, and only when a live
view is made.

Rich's `Markdown` writes a blank line before a top-level element when the element
closed just before it asks for one (every element but a horizontal rule does).
A container (list, quote, table) closes its children first, so it always starts
with that blank line, even at the top of a document; a leaf (paragraph, heading,
code) gets it only if something came before. `render_piece` reproduces this
across separately rendered pieces, so the committed pieces add up to the same
lines as one `console.print(Markdown(whole_text))`.

Links are drawn as ``text (address)``, not as OSC 8 hyperlinks (``hyperlinks=False``):
a link cannot hide where it goes behind its text.
"""

from __future__ import annotations

from collections.abc import Iterable

from pygments.token import Token
from rich.console import Console, ConsoleOptions, Group, NewLine, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.padding import Padding
from rich.segment import Segment
from rich.syntax import Syntax
from rich.text import Text

from appam_cli.render.blocks import CodePart, CodeTail, Piece

_CONTAINERS = frozenset({"bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"})
_LISTS = frozenset({"bullet_list_open", "ordered_list_open"})
REASONING_STYLE = "dim italic"


def render_piece(piece: Piece, new_line: bool, code_theme: str) -> tuple[list[RenderableType], bool]:
    """Renderables for piece, given Rich's pending new-line flag; and the flag after it."""
    if isinstance(piece, CodePart):
        out: list[RenderableType] = [NewLine()] if piece.first and new_line else []
        padding = (1 if piece.first else 0, 1, 1 if piece.last else 0, 1)
        out.append(syntax(piece.code, piece.lexer, code_theme, padding))
        return out, True
    markdown = Markdown(piece.text, code_theme=code_theme, hyperlinks=False)
    tokens = markdown.parsed
    if not tokens:  # e.g. only a link reference definition: renders nothing
        return [], new_line
    if piece.continues_list and tokens[0].type in _LISTS:
        out = [DropFirstLine(markdown)]  # the list's leading blank line was printed already
    elif new_line and not _starts_with_container(tokens):
        out = [NewLine(), markdown]
    else:
        out = [markdown]
    return out, tokens[-1].type != "hr"


def syntax(code: str, lexer: str, theme: str, padding: tuple[int, int, int, int]) -> Syntax:
    """A code block the way ``rich.markdown`` draws one (padding varies when cut)."""
    return Syntax(code, lexer, theme=theme, word_wrap=True, padding=padding)


class CodeTailView:
    """Draws the open code fence of the live tail, cheaply.

    Refreshing it must not re-highlight every pending line each time: the complete
    lines are rendered in small groups, each once (and kept while it is unchanged),
    and the line being written is drawn as plain code text. Highlighting across a
    group boundary, or on the line being written, can differ for a moment; what is
    committed is rendered in one piece, like the one-shot render.
    """

    GROUP = 4

    def __init__(self, code_theme: str) -> None:
        self.code_theme = code_theme
        self._groups: dict[tuple[str, str, int], BottomLines] = {}
        theme = Syntax.get_theme(code_theme)
        self._plain_style = theme.get_background_style() + theme.get_style_for_token(Token)
        self._background = theme.get_background_style()

    def renderables(self, tail: CodeTail, new_line: bool) -> list[RenderableType]:
        out: list[RenderableType] = [NewLine()] if tail.first and new_line else []
        top = 1 if tail.first else 0
        lines = tail.done.split("\n") if tail.done is not None else []
        groups: dict[tuple[str, str, int], BottomLines] = {}
        for start in range(0, len(lines), self.GROUP):
            key = (tail.lexer, "\n".join(lines[start : start + self.GROUP]), top if start == 0 else 0)
            group = self._groups.get(key)
            if group is None:
                group = BottomLines([syntax(key[1], key[0], self.code_theme, (key[2], 1, 0, 1))])
            groups[key] = group
            out.append(group)
        self._groups = groups
        partial = Text(tail.partial.expandtabs(4), style=self._plain_style)
        out.append(Padding(partial, (top if not lines else 0, 1, 1, 1), style=self._background, expand=True))
        return out


def _starts_with_container(tokens: list) -> bool:
    """A list, quote or table whose first child closes before it (so it begins with a blank line)."""
    return tokens[0].type in _CONTAINERS and len(tokens) > 1 and tokens[1].nesting != -1


def reasoning_text(text: str) -> Text:
    return Text(text, style=REASONING_STYLE)


def tool_line(name: str, arguments: str) -> Text:
    """``⚙ name(args…)`` on one dim line, cut to the width."""
    args = " ".join(arguments.split())
    if len(args) > 500:
        args = args[:500] + "…"
    return Text(f"⚙ {name}({args})", style="dim", no_wrap=True, overflow="ellipsis")


class DropFirstLine:
    """Render something without its first line."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        dropping = True
        for segment in console.render(self.renderable, options):
            if not dropping:
                yield segment
            elif "\n" in segment.text:
                dropping = False
                rest = segment.text.split("\n", 1)[1]
                if rest:
                    yield Segment(rest, segment.style)


class BottomLines:
    """Renderables drawn once per terminal size, keeping only the last lines that fit.

    The live tail is drawn through this: a live region below the terminal height
    keeps Rich's cursor arithmetic right (lines that scrolled away cannot be
    redrawn), and a refresh that finds nothing new re-sends cached segments.
    """

    def __init__(self, renderables: Iterable[RenderableType]) -> None:
        self.renderables = list(renderables)
        self._cache: tuple[tuple[int, int], list[list[Segment]]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.renderables:
            return
        key = (options.max_width, options.size.height)
        if self._cache is None or self._cache[0] != key:
            lines = console.render_lines(Group(*self.renderables), options, pad=False)
            self._cache = (key, lines[-max(1, options.size.height - 1) :])
        new_line = Segment.line()
        for line in self._cache[1]:
            yield from line
            yield new_line


__all__ = [
    "BottomLines",
    "CodeTailView",
    "DropFirstLine",
    "reasoning_text",
    "render_piece",
    "syntax",
    "tool_line",
]
