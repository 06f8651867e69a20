"""The answer views: block splitting, live Markdown rendering, plain output.

The live view must print the same lines as a one-shot ``console.print(Markdown(text))``
while doing work linear in the answer length. Screen-level checks in a real
pseudo-terminal are in test_render_pty.py.
"""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console
from rich.markdown import Markdown

from appam_cli.render import PlainView, make_view
from appam_cli.render.blocks import Block, BlockSplitter, CodePart, CodeTail
from appam_cli.render.live import LiveMarkdownView

sys.path.insert(0, str(Path(__file__).parent))
from render_driver import sample_answer  # noqa: E402

# -- the block splitter ----------------------------------------------------------------


def split(text: str, sizes: list[int] | None = None, **limits) -> list:
    """Feed text in chunks of the given sizes (cycled); return every piece handed out."""
    splitter = BlockSplitter(**limits)
    pieces, start, index = [], 0, 0
    sizes = sizes or [len(text) or 1]
    while start < len(text):
        size = sizes[index % len(sizes)]
        pieces += splitter.feed(text[start : start + size])
        start, index = start + size, index + 1
    return pieces + splitter.close()


def texts(pieces) -> list[str]:
    return [p.text if isinstance(p, Block) else p for p in pieces]


def test_fence_with_blank_lines_is_one_block():
    text = "```python\ndef f():\n\n\n    return 1\n```\n\nafter\n"
    assert texts(split(text)) == ["```python\ndef f():\n\n\n    return 1\n```", "after"]


def test_fence_closes_only_on_its_own_marker():
    text = "````md\n```\ninner\n```\n````\n~~~\n```\n~~~\ntext"
    assert texts(split(text)) == ["````md\n```\ninner\n```\n````", "~~~\n```\n~~~", "text"]


def test_nested_and_loose_lists_stay_together():
    text = "- a\n  - nested\n\n  - nested 2\n\n- b\n\n  more of b\n1. x\n\nafter\n"
    assert texts(split(text)) == ["- a\n  - nested\n\n  - nested 2\n\n- b\n\n  more of b\n1. x", "after"]


def test_table_then_paragraph():
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n\nafter"
    assert texts(split(text)) == ["| a | b |\n|---|---|\n| 1 | 2 |", "after"]


def test_heading_and_fence_interrupt_a_paragraph():
    text = "para\n# Head\nmore text\n```sh\nls\n```\nafter"
    assert texts(split(text)) == ["para", "# Head", "more text", "```sh\nls\n```", "after"]


def test_fence_at_column_zero_ends_a_list():
    assert texts(split("- a\n```\nx\n```\n")) == ["- a", "```\nx\n```"]


def test_text_without_trailing_newline():
    assert texts(split("para\n\nlast line")) == ["para", "last line"]
    assert texts(split("```\ncode")) == ["```\ncode"]
    assert texts(split("")) == [] and texts(split("\n\n  \n")) == []


def test_html_comment_with_blank_lines_is_one_block():
    text = "a\n\n<!--\n\nhidden\n\n-->\n\nb"
    assert texts(split(text)) == ["a", "<!--\n\nhidden\n\n-->", "b"]


def test_indented_code_continues_across_blank_lines():
    assert texts(split("para\n\n    one\n\n    two\nend\n")) == ["para", "    one\n\n    two", "end"]


DOC = (
    "# Title\n\nIntro *text*\nwith a soft break.\n\n- a\n- b\n  - c\n\n"
    "| x | y |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n\ny = 2\n```\n\n> quote\n\n---\n\nend"
)


@pytest.mark.parametrize("cut", range(len(DOC) + 1))
def test_any_chunk_boundary_gives_the_same_blocks(cut):
    """Deltas may end inside ``` or in the middle of any line."""
    splitter = BlockSplitter()
    pieces = splitter.feed(DOC[:cut]) + splitter.feed(DOC[cut:]) + splitter.close()
    assert pieces == split(DOC)


def test_random_chunking_gives_the_same_blocks():
    rnd = random.Random(1)
    text = sample_answer(3000)
    expected = split(text)
    for _ in range(5):
        assert split(text, [rnd.randint(1, 15) for _ in range(50)]) == expected


def test_a_block_is_handed_out_when_the_next_one_begins():
    splitter = BlockSplitter()
    assert splitter.feed("# Head\n") == [] and splitter.tail() == Block("# Head\n")
    assert splitter.feed("para") == []  # an incomplete line decides nothing
    assert texts(splitter.feed(" text\n")) == ["# Head"]
    assert splitter.feed("\n") == []
    assert texts(splitter.feed("- item\n\n")) == ["para text"]
    assert splitter.feed("  indented\n\n- next\n\n") == []  # a list goes on after blank lines...
    assert texts(splitter.feed("after\n")) == ["- item\n\n  indented\n\n- next"]  # ...until it doesn't
    assert splitter.tail() == Block("after\n")


def test_markdown_it_must_confirm_a_cut():
    # an HTML block runs to the next blank line; a comment to its end marker
    assert texts(split("</div>\n# not a heading\n```\n\nafter")) == ["</div>\n# not a heading\n```", "after"]
    assert texts(split("a\n<!--\n\n# H\n\n-->\nb\n\nc")) == ["a", "<!--\n\n# H\n\n-->\nb", "c"]
    # a line left of an empty item's text ends the list: that fence is top-level, the blank
    # line and the rule are inside it
    assert texts(split("1.\nfoo\n   ~~~\n\n***\n~~~\n")) == ["1.\nfoo\n   ~~~\n\n***\n~~~"]


def test_long_fence_is_cut_into_code_parts():
    code = [f"line {i}" if i % 10 else f"def f{i}():" for i in range(200)]
    text = "```python\n" + "\n".join(code) + "\n\n\n```\nafter\n"
    splitter = BlockSplitter(fence_batch=16, max_lines=40)
    pieces, longest = [], 0
    for i in range(0, len(text), 7):
        pieces += splitter.feed(text[i : i + 7])
        tail = splitter.tail()
        if isinstance(tail, CodeTail) and tail.done is not None:
            longest = max(longest, tail.done.count("\n") + 1)
    pieces += splitter.close()
    parts = [p for p in pieces if isinstance(p, CodePart)]
    assert len(parts) > 5 and longest <= 32
    assert [p.first for p in parts] == [True] + [False] * (len(parts) - 1)
    assert [p.last for p in parts] == [False] * (len(parts) - 1) + [True]
    assert all(p.lexer == "python" for p in parts)
    assert "\n".join(p.code for p in parts) == "\n".join(code)  # the trailing blank lines go
    assert pieces[-1] == Block("after")


def test_long_lists_are_cut_between_items_and_keep_counting():
    bullets = "\n".join(f"- item {i}" for i in range(60))
    pieces = split(bullets + "\n\nafter\n", [5], list_batch=24, max_lines=40)
    assert len(pieces) > 3 and pieces[-1] == Block("after")
    assert [p.continues_list for p in pieces[:-1]] == [False] + [True] * (len(pieces) - 2)
    assert "\n".join(p.text for p in pieces[:-1]) == bullets
    numbered = "\n".join(f"1. item {i}" for i in range(100))  # every marker "1.": counted
    pieces = split(numbered, [9], max_lines=40)
    starts = [int(p.text.split(".")[0]) for p in pieces]
    assert len(pieces) > 2 and starts == sorted(starts) and starts[0] == 1
    assert all(p.text.startswith(f"{n}. item {n - 1}") for p, n in zip(pieces, starts, strict=True))


# -- the live view prints what a one-shot render prints ---------------------------------


def console(terminal: bool = False, width: int = 80) -> Console:
    return Console(file=io.StringIO(), width=width, height=50, force_terminal=terminal, color_system="256")


def one_shot(text: str, width: int = 80) -> str:
    """``console.print(Markdown(text))``, without the unstyled spaces that pad its lines (the
    live view leaves them out: a terminal that reflows on resize would wrap them into rows)."""
    out = console(width=width)
    out.print(Markdown(text))
    return re.sub(r" +$", "", out.file.getvalue(), flags=re.MULTILINE)


def stream(text: str, seed: int = 0, every: int = 3, width: int = 80, reasoning: str = "") -> str:
    """Stream through LiveMarkdownView (refreshing every few deltas); its output."""
    out = console(width=width)
    view = LiveMarkdownView(out, auto_refresh=False)
    rnd = random.Random(seed)
    with view:
        for kind, body in (("reasoning", reasoning), ("content", text)):
            feed = view.reasoning if kind == "reasoning" else view.content
            start = count = 0
            while start < len(body):
                size = rnd.randint(1, 12)
                feed(body[start : start + size])
                start, count = start + size, count + 1
                if count % every == 0:
                    view.refresh()
    return out.file.getvalue()


def code_lines(n: int, lang_step: int = 9) -> str:
    return "\n".join(
        f"def f{i}():\n    '''doc'''\n    return {i}" if i % lang_step == 0 else f"    x{i} = {i}" for i in range(n)
    )


DOCS = {
    "basic": DOC,
    "unclosed_fence": "para\n\n```\ncode",
    "interruptions": "para\n# Head\ntext\n```py\nx=1\n```\nafter",
    "loose_lists": "- a\n\n- b\n\n  cont\n\n- c\n\nafter\n\n1. x\n\n   ```\n   code\n\n   more\n   ```\n2. y\n",
    "rules": "---\n\n- list\n\n***\n\npara\n\n___",
    "html": "a\n\n<!--\n\ncomment\n\n-->\n\nb\n\n<div>\nx\n</div>\n\nc",
    "indented_code": "para\n\n    code1\n\n    code2\nlazy\n\nend",
    "setext": "Title\n=====\n\nSub\n---\ntext",
    "long_fence": f"intro\n\n```python\n{code_lines(180)}\n\n\n```\n\nafter",
    "long_unclosed_fence": f"```js\n{code_lines(120, 7)}",
    "indented_fence": "  ```\n  code\n    deeper\n\n" + "\n".join("  x" for _ in range(60)) + "\n  ```\n",
    "long_list": "\n".join(f"- item {i} with some text" for i in range(80)) + "\n\ntext",
    "long_ordered_list": "\n".join(f"{i}. item\n   more {i}" for i in range(10, 70)) + "\n\ntext",
    "quote_fence": "> ```\n> a\n>\n> b\n> ```\n\n> second",
    "big_table": "| a | b |\n|---|---|\n" + "\n".join(f"| {i} | {'x' * i} |" for i in range(70)),
    "crlf": "a\r\nb\r\n\r\n- c\r\n",
    "empty": "",
    "sample": sample_answer(4000),
}


@pytest.mark.parametrize("name", DOCS)
def test_streamed_output_equals_one_shot_render(name):
    """Same characters and the same styles (colours included), for any chunking."""
    text = DOCS[name]
    expected = one_shot(text)
    for seed in range(3):
        assert stream(text, seed=seed, every=seed + 1) == expected


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


FUZZ_LINES = [
    "para text", "more *words*", "", "", "- item", "* star", "+ plus", "1. one", "2) two", "10. ten",
    "  - nested", "    indented four", "   three spaces", "\tTabbed", "```", "```python", "~~~", "````",
    "# H1", "## H2", "===", "---", "***", "- - -", "> quote", ">", ">> nested", "  > in item",
    "| a | b |", "|---|---|", "| 1 | 2 |", "<div>", "</div>", "<!--", "-->", "<pre>", "</pre>",
    "  ```", "   ~~~", "    ```", "- ```", "1. ```", "  code in item", "- ", "1.", "<!-- x -->",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(0, 300, 30))
def test_random_line_soup_renders_like_one_shot(seed):
    """Odd mixtures of block starts: the splitter may only cut where markdown-it does."""
    for case in range(seed, seed + 30):
        rnd = random.Random(case)
        text = "\n".join(rnd.choice(FUZZ_LINES) for _ in range(rnd.randint(1, 40)))
        assert stream(text, seed=case, every=case % 4 + 1) == one_shot(text), text


def test_reasoning_comes_first_dim_then_a_blank_line():
    answer = "Answer *text*\n\n- item"
    for seed in range(3):
        out = stream(answer, seed=seed, every=seed + 1, reasoning="\nLet me think.\n\nStep two.\n\n")
        assert out.startswith("\x1b[2;3mLet me think.\x1b[0m\n")
        reasoning, _, rest = out.partition("Step two.")
        assert strip_ansi(reasoning + _) == "Let me think.\n\nStep two."
        assert strip_ansi(rest).startswith("\n\nAnswer text")  # one blank line
        assert rest.endswith(one_shot(answer))


def test_hidden_reasoning_prints_nothing():
    out = console()
    with LiveMarkdownView(out, show_reasoning=False, auto_refresh=False) as view:
        view.reasoning("secret thoughts\n")
        view.refresh()
        view.content("answer")
    assert out.file.getvalue() == one_shot("answer")


def test_tool_calls_are_one_dim_line_between_answer_parts():
    out = console(width=40)
    with LiveMarkdownView(out, auto_refresh=False) as view:
        view.content("Let me look.\n\n- one")
        view.tool_call("search", '{"query":  "sqlite wal mode", "limit": 10, "extra": "x"}')
        view.tool_call("read", "{}")
        view.content("Found it.")
    plain = [strip_ansi(line).rstrip() for line in out.file.getvalue().split("\n")]
    assert plain[plain.index("Let me look.") :] == [
        "Let me look.",
        "",
        " • one",
        "",
        '⚙ search({"query": "sqlite wal mode", "…',
        "⚙ read({})",
        "",
        "Found it.",
        "",
    ]


def test_reasoning_before_a_tool_call_is_kept():
    out = console()
    with LiveMarkdownView(out, auto_refresh=False) as view:
        view.reasoning("First line.\nunfinished line")
        view.refresh()
        view.tool_call("lookup", "{}")
        view.content("Answer.")
    assert strip_ansi(out.file.getvalue()).split("\n") == [
        "First line.",
        "unfinished line",
        "",
        "⚙ lookup({})",
        "",
        "Answer.",  # no padding: a narrower terminal would wrap it into rows
        "",
    ]


def test_abort_keeps_what_arrived_and_adds_a_note():
    out = console()
    view = LiveMarkdownView(out, auto_refresh=False)
    view.start()
    view.content("Partial *answer* with\n```py\nx = 1")
    view.refresh()
    view.abort("[interrupted]")
    view.abort("twice")  # a second call does nothing
    expected = one_shot("Partial *answer* with\n```py\nx = 1")
    assert out.file.getvalue() == expected + "\n\x1b[2m[interrupted]\x1b[0m\n"


def test_timer_thread_refreshes_a_real_terminal():
    out = console(terminal=True)
    with LiveMarkdownView(out, refresh_per_second=50) as view:
        view.content("# Head\n\nstreaming para")
        deadline = time.monotonic() + 5
        while "streaming para" not in out.file.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "streaming para" in out.file.getvalue()  # drawn live, before finish()


# -- work stays linear -----------------------------------------------------------------


def markdown_work(text: str, monkeypatch, every: int = 40) -> tuple[int, int]:
    """(characters parsed as Markdown or highlighted as code in total, largest single one),
    streaming text in 12-character deltas and refreshing every ``every`` deltas."""
    from appam_cli.render import pieces

    sizes: list[int] = []

    class CountingMarkdown(Markdown):
        def __init__(self, markup: str, **kwargs):
            sizes.append(len(markup))
            super().__init__(markup, **kwargs)

    real_syntax = pieces.syntax

    def counting_syntax(code: str, *args, **kwargs):
        sizes.append(len(code))
        return real_syntax(code, *args, **kwargs)

    monkeypatch.setattr(pieces, "Markdown", CountingMarkdown)
    monkeypatch.setattr(pieces, "syntax", counting_syntax)
    view = LiveMarkdownView(console(width=100), auto_refresh=False)
    with view:
        for count, start in enumerate(range(0, len(text), 12)):
            view.content(text[start : start + 12])
            if count % every == 0:
                view.refresh()
    return sum(sizes), max(sizes)


def test_render_work_is_linear_and_the_tail_stays_small(monkeypatch):
    text = sample_answer(20000)  # holds 300-line code fences and 120-item lists
    assert len(text) > 75_000
    work, largest = markdown_work(text, monkeypatch)
    work2, largest2 = markdown_work(text + "\n" + text, monkeypatch)
    assert work2 < 2.2 * work  # twice the text, twice the work (quadratic would be 4x)
    assert work < 8 * len(text)  # committed text is parsed once; the tails are small
    assert max(largest, largest2) < 5000  # no render ever sees a whole long fence or list


# -- plain output ----------------------------------------------------------------------


def test_plain_view_writes_exactly_the_text():
    out, err = io.StringIO(), io.StringIO()
    view = PlainView(out, err=err)
    view.start()
    view.reasoning("thinking...")
    for piece in ("Hello", " *world*", "\n\n```\ncode\n```"):
        view.content(piece)
    view.tool_call("search", "{}")
    view.finish()
    assert out.getvalue() == "Hello *world*\n\n```\ncode\n```\n"
    assert err.getvalue() == ""


def test_plain_view_keeps_a_final_newline_and_notes_go_to_stderr():
    out, err = io.StringIO(), io.StringIO()
    with PlainView(out, err=err, show_reasoning=True) as view:
        view.reasoning("hmm")
        view.content("line\n")
    assert out.getvalue() == "line\n" and err.getvalue() == "hmm\n"
    out, err = io.StringIO(), io.StringIO()
    view = PlainView(out, err=err)
    view.content("cut")
    view.abort("[interrupted]")
    assert out.getvalue() == "cut\n" and err.getvalue() == "[interrupted]\n"


def test_make_view_picks_plain_unless_stdout_is_a_terminal(monkeypatch):
    assert isinstance(make_view(raw=True), PlainView)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert isinstance(make_view(raw=False), PlainView)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    assert isinstance(make_view(raw=False), LiveMarkdownView)
    assert isinstance(make_view(raw=True), PlainView)


@pytest.mark.e2e
def test_importing_render_does_not_import_rich_markdown():
    code = "import sys, appam_cli.render; sys.exit('rich.markdown' in sys.modules)"
    root = Path(__file__).parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
