"""The streaming answer view for a terminal (``appam run`` / ``appam chat``).

Re-rendering ``Live(Markdown(all_text))`` on every refresh is quadratic. Here the
answer is cut into top-level Markdown blocks as it streams (`blocks.BlockSplitter`);
a finished block is printed once (when the first line of the next one is complete),
above the live region, and scrolls into the terminal's history. The live region only
shows the unfinished tail, never taller than the screen. After `finish()` the screen
holds the same lines as a one-shot ``console.print(Markdown(full_text))``.

Threads: `content()` and `reasoning()` only append to an inbox (cheap, any rate).
A refresh -- from a small timer thread at ``refresh_per_second``, or from
`tool_call()`/`finish()`/`abort()` -- drains the inbox, prints the finished
pieces and redraws the tail. Every refresh runs under one lock, taken before
Rich's own, so the tail and the printed blocks always agree. A refresh that
finds nothing new does nothing. If a refresh gets expensive (a huge table in the
tail), the timer backs off so drawing stays a small share of the CPU.

Rich `Live` settings: ``auto_refresh=False`` (the timer above replaces Rich's so
it can skip idle refreshes and share our lock), ``transient=False`` and
``vertical_overflow="crop"``. The tail is committed before `Live` stops, so the
live region is empty by then and transient has nothing to clear; if something
does go wrong, what was shown stays. The tail limits its own height, so "crop"
is only a guard (e.g. a terminal shrunk between two refreshes) that keeps Rich's
cursor moves inside the screen instead of smearing lines into the scrollback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group, NewLine, RenderableType
from rich.live import Live
from rich.text import Text

from appam_cli.render.blocks import BlockSplitter, CodeTail
from appam_cli.render.pieces import (
    REASONING_STYLE,
    BottomLines,
    CodeTailView,
    reasoning_text,
    render_piece,
    tool_line,
)
from appam_cli.render.safe_text import SafeStream, safe_text
from appam_cli.render.tool_blocks import call_lines, result_lines
from appam_cli.render.view_context import ViewContext

_EMPTY = Group()


class LiveMarkdownView(ViewContext):
    """Streams a Markdown answer (plus reasoning and tool calls) to a terminal."""

    def __init__(
        self,
        console: Console,
        show_reasoning: bool = True,
        *,
        refresh_per_second: float = 10.0,
        auto_refresh: bool = True,
        code_theme: str = "monokai",
        verbose: bool = False,
    ) -> None:
        self.console = console
        self.show_reasoning = show_reasoning
        self.verbose = verbose  # every tool argument and the whole result
        self.code_theme = code_theme
        self._interval = 1.0 / refresh_per_second
        self._auto_refresh = auto_refresh
        self._inbox: list[tuple[str, str]] = []
        self._inbox_lock = threading.Lock()
        self._lock = threading.RLock()
        self._live: Live | None = None
        self._timer: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False
        # the document printed so far
        self._mode: str | None = None  # "reasoning", "content" or "tool": what came last
        self._new_line = False  # Rich's flag: the next leaf block gets a blank line first
        self._splitter: BlockSplitter | None = None
        self._think = ""  # reasoning after the last newline, not printed yet
        self._think_blank = 0  # blank reasoning lines held back (dropped at the end)
        self._thinking = False  # hidden reasoning is arriving
        self._tail: RenderableType = _EMPTY
        self._code_tail = CodeTailView(code_theme)
        # text from the model is data: control characters are shown, never sent raw
        self._safe = {"content": SafeStream(), "reasoning": SafeStream()}

    # -- the view protocol ---------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._live is not None or self._closed:
                return
            self._live = Live(
                _EMPTY,
                console=self.console,
                auto_refresh=False,
                transient=False,
                vertical_overflow="crop",
            )
            self._live.start()
            if self._auto_refresh and self._timer is None:  # (a view started again after a pause has one)
                self._timer = threading.Thread(target=self._run_timer, name="appam-live", daemon=True)
                self._timer.start()

    def reasoning(self, delta: str) -> None:
        if delta:
            with self._inbox_lock:
                self._inbox.append(("reasoning", self._safe["reasoning"].feed(delta)))

    def content(self, delta: str) -> None:
        if delta:
            with self._inbox_lock:
                self._inbox.append(("content", self._safe["content"].feed(delta)))

    def tool_call(self, name: str, arguments: str) -> None:
        with self._lock:
            out = self._drain()
            self._close_segment(out)
            self._flush_reasoning(out)
            if self._new_line and self._mode != "tool":
                out.append(NewLine())
            if self.verbose:
                out.append(Text("\n".join(call_lines(safe_text(name), safe_text(arguments), True)), style="dim"))
            else:
                out.append(tool_line(safe_text(name), safe_text(arguments)))
            self._mode, self._new_line = "tool", True
            self._tail = self._make_tail()
            self._draw(out)

    def tool_result(self, outcome: dict[str, Any]) -> None:
        """Under its call: the status and duration, then the result's first lines (all with verbose)."""
        head, lines = result_lines(outcome, self.verbose)
        ok = outcome.get("status") == "ok"
        with self._lock:
            out = self._drain()
            self._close_segment(out)
            self._flush_reasoning(out)
            if self._new_line and self._mode != "tool":
                out.append(NewLine())
            block = Text(safe_text(head), style="dim green" if ok else "yellow")
            if lines:
                block.append("\n" + safe_text("\n".join(lines)), style="dim")
            out.append(block)
            self._mode, self._new_line = "tool", True
            self._tail = self._make_tail()
            self._draw(out)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The screen is free meanwhile (an approval is asked): the live region is stopped and
        started again after; what was printed stays."""
        with self._lock:
            self._draw(self._drain())
            live, self._live = self._live, None
            if live is not None:
                live.update(_EMPTY)  # the unfinished tail (if any) is drawn again after
                live.refresh()
                live.stop()
        try:
            yield
        finally:
            with self._lock:
                if live is not None and not self._closed:
                    self.start()
                    self._draw([])

    def finish(self) -> None:
        """Print everything that is left; the live region ends empty."""
        self._end(None)

    def abort(self, note: str | None = None) -> None:
        """Stop, keeping what arrived (rendered as it stands), plus a dim note."""
        self._end(note)

    def refresh(self) -> None:
        """Take in what arrived and redraw now (the timer calls this)."""
        with self._lock:
            if self._closed:
                return
            changed = bool(self._inbox)
            out = self._drain()
            if changed:
                self._tail = self._make_tail()
                self._draw(out)

    # -- internals -----------------------------------------------------------------

    def _run_timer(self) -> None:
        interval = self._interval
        while not self._stop.wait(interval):
            began = time.perf_counter()
            try:
                self.refresh()
            except Exception:  # leave it to finish()/abort() to fail in the caller's thread
                return
            # back off when drawing gets expensive: at most ~1/8 of the time
            interval = max(self._interval, 8 * (time.perf_counter() - began))

    def _end(self, note: str | None) -> None:
        self._stop.set()
        timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join()
        with self._lock:
            if self._closed:
                return
            with self._inbox_lock:  # a carriage return held back at the very end
                self._inbox += [(kind, held) for kind, safe in self._safe.items() if (held := safe.close())]
            out = self._drain()
            self._close_segment(out)
            self._flush_reasoning(out)
            if note:
                if self._new_line:
                    out.append(NewLine())
                out.append(Text(note, style="dim"))
            self._tail = _EMPTY
            self._draw(out)
            self._closed = True
            if self._live is not None:
                self._live.stop()

    def _drain(self) -> list[RenderableType]:
        """Process the inbox; return the renderables that are finished."""
        with self._inbox_lock:
            items, self._inbox = self._inbox, []
        out: list[RenderableType] = []
        index = 0
        while index < len(items):  # join runs of the same kind
            kind = items[index][0]
            end = index + 1
            while end < len(items) and items[end][0] == kind:
                end += 1
            text = "".join(delta for _, delta in items[index:end])
            if kind == "content":
                self._content(text, out)
            else:
                self._reasoning(text, out)
            index = end
        return out

    def _content(self, text: str, out: list[RenderableType]) -> None:
        if self._mode != "content":
            self._flush_reasoning(out)
            self._mode = "content"
            self._splitter = BlockSplitter(max_lines=max(8, self.console.height - 10))
        assert self._splitter is not None
        for piece in self._splitter.feed(text):
            self._commit(render_piece(piece, self._new_line, self.code_theme), out)

    def _commit(self, rendered: tuple[list[RenderableType], bool], out: list[RenderableType]) -> None:
        renderables, self._new_line = rendered
        out.extend(renderables)

    def _close_segment(self, out: list[RenderableType]) -> None:
        """The current answer text is complete (a tool call or the end follows)."""
        if self._mode == "content" and self._splitter is not None:
            for piece in self._splitter.close():
                self._commit(render_piece(piece, self._new_line, self.code_theme), out)
            self._splitter = None

    def _reasoning(self, text: str, out: list[RenderableType]) -> None:
        if not self.show_reasoning:
            self._thinking = self._mode != "content"
            return
        if self._mode != "reasoning":
            self._close_segment(out)
            if self._new_line:
                out.append(NewLine())
            self._mode, self._think, self._think_blank = "reasoning", "", -1
        if "\n" not in text:
            self._think += text
            return
        lines = (self._think + text).split("\n")
        self._think = lines.pop()
        self._print_think_lines(lines, out)

    def _print_think_lines(self, lines: list[str], out: list[RenderableType]) -> None:
        """Reasoning lines wrap one by one, so complete lines can be printed at once.
        Blank lines are held back: leading and trailing ones are dropped."""
        done: list[str] = []
        for line in lines:
            if not line.strip():
                if self._think_blank >= 0:
                    self._think_blank += 1
                continue
            done.extend([""] * max(0, self._think_blank))
            done.append(line)
            self._think_blank = 0
        if done:
            out.append(reasoning_text("\n".join(done)))
            self._new_line = True

    def _flush_reasoning(self, out: list[RenderableType]) -> None:
        self._thinking = False
        if self._mode == "reasoning":
            self._print_think_lines([self._think], out)
            self._think = ""

    def _make_tail(self) -> RenderableType:
        if self._mode == "content" and self._splitter is not None:
            piece = self._splitter.tail()
            if piece is None:
                return _EMPTY
            if isinstance(piece, CodeTail):
                return BottomLines(self._code_tail.renderables(piece, self._new_line))
            renderables, _ = render_piece(piece, self._new_line, self.code_theme)
            return BottomLines(renderables)
        if self._mode == "reasoning" and self._think.strip():
            gap = [NewLine(self._think_blank)] if self._think_blank > 0 else []
            return BottomLines([*gap, reasoning_text(self._think)])
        if self._thinking:
            return Text("thinking…", style=REASONING_STYLE)
        return _EMPTY

    def _draw(self, out: list[RenderableType]) -> None:
        """Redraw the tail and print the finished renderables above it, in one write."""
        live = self._live
        if live is None or self._closed:
            if out:
                self.console.print(Group(*out))
            return
        live.update(self._tail)
        with self.console:  # one buffered write: no frame shows a block twice or not at all
            live.refresh()
            if out:
                self.console.print(Group(*out))
