"""Feed a Markdown answer to the answer view in small chunks, as a stream would.

    python tests/render_driver.py ANSWER.md [--chunk 4] [--delay 0.01] [--raw]
        [--reasoning THOUGHTS.txt] [--no-reasoning] [--abort NOTE]
    python tests/render_driver.py --sample 20000 ...   # a generated ~20k-token answer

The tests run it in a pseudo-terminal and compare the final screen with a
one-shot render of the same text; bench/bench_render.py times it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appam_cli.render import make_view  # noqa: E402

WORDS = (
    "stream render block token model answer terminal screen parser list table fence cost "
    "linear refresh history window line width height markdown python session prompt"
).split()


def sample_answer(tokens: int, seed: int = 7) -> str:
    """A deterministic Markdown answer of about ``tokens`` tokens (~4 characters each):
    headings, paragraphs, lists, tables, quotes and code fences, some of them long."""
    rnd = random.Random(seed)

    def words(n: int) -> str:
        out = [rnd.choice(WORDS) for _ in range(n)]
        for i in rnd.sample(range(n), min(3, n)):
            out[i] = rnd.choice(("**{}**", "*{}*", "`{}`")).format(out[i])
        return " ".join(out).capitalize() + "."

    def code(n: int) -> str:
        lines = []
        for i in range(n):
            if i % 12 == 0:
                lines += ["", f"def step_{i}(value: int) -> int:", '    """Advance the value."""']
            else:
                lines.append(f"    value = value * {i} + {rnd.randint(1, 99)}  # {rnd.choice(WORDS)}")
        return "\n".join(lines).strip("\n")

    blocks: list[str] = []
    section = 0
    while sum(len(b) for b in blocks) < tokens * 4:
        section += 1
        blocks.append(f"## Section {section}: {rnd.choice(WORDS)}")
        blocks += [words(rnd.randint(20, 70)) for _ in range(rnd.randint(1, 3))]
        blocks.append("\n".join(f"- {words(rnd.randint(3, 12))}" for _ in range(rnd.randint(2, 6))))
        blocks.append(
            "\n".join(f"{i}. {words(rnd.randint(3, 10))}\n   - {words(4)}" for i in range(1, 4))
        )
        rows = [f"| {rnd.choice(WORDS)} | {rnd.randint(1, 999)} | {words(4)} |" for _ in range(4)]
        blocks.append("| name | count | note |\n|---|---:|---|\n" + "\n".join(rows))
        blocks.append(f"```python\n{code(rnd.randint(6, 30))}\n```")
        if section % 5 == 0:
            blocks.append(f"> {words(30)}\n> {words(20)}")
            blocks.append(f"```python\n{code(300)}\n```")
        if section % 7 == 0:
            blocks.append("\n".join(f"- {words(rnd.randint(4, 9))}" for _ in range(120)))
    return "\n\n".join(blocks) + "\n"


def chunks(text: str, size: int):
    for start in range(0, len(text), size):
        yield text[start : start + size]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answer", type=Path, nargs="?", help="Markdown file: the streamed answer")
    parser.add_argument("--sample", type=int, metavar="TOKENS", help="stream a generated answer instead")
    parser.add_argument("--chunk", type=int, default=4, help="characters per delta")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between deltas")
    parser.add_argument("--raw", action="store_true", help="plain view")
    parser.add_argument("--reasoning", type=Path, help="text streamed as reasoning first")
    parser.add_argument("--no-reasoning", action="store_true", help="hide reasoning")
    parser.add_argument("--abort", metavar="NOTE", help="abort with NOTE instead of finishing")
    args = parser.parse_args(argv)

    view = make_view(raw=args.raw, show_reasoning=not args.no_reasoning)
    view.start()
    parts = [("reasoning", args.reasoning.read_text(encoding="utf-8"))] if args.reasoning else []
    if args.sample is not None:
        answer = sample_answer(args.sample) if args.sample else ""
    else:
        answer = args.answer.read_text(encoding="utf-8")
    parts.append(("content", answer))
    for kind, text in parts:
        feed = view.reasoning if kind == "reasoning" else view.content
        for delta in chunks(text, args.chunk):
            feed(delta)
            if args.delay:
                time.sleep(args.delay)
    if args.abort is not None:
        view.abort(args.abort)
    else:
        view.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
