"""Streamed answer rendering: raw text vs. live Markdown, CPU and wall time.

A deterministic ~20k-token Markdown answer (headings, paragraphs, lists, tables,
long code fences; tests/render_driver.py `sample_answer`) is fed in ~3-token
deltas to the answer view of a child process whose stdout is a pseudo-terminal
(100x50) that this script drains. The child's CPU time (user + system, from
os.wait4) and the wall time are reported as medians; the cases run interleaved.

Cases:
  startup raw / startup live   the same process with an empty answer (imports, setup)
  raw                          PlainView: write + flush each delta
  live                         LiveMarkdownView
  one-shot render              no streaming: one console.print(Markdown(answer)) at the
                               end -- the cost of Rich's rendering itself, the floor
                               for any Markdown view

    python bench/bench_render.py [--runs 5] [--tokens 20000] [--delay 0]

``--delay`` sleeps between deltas (e.g. 0.03 is ~100 tokens/s, a fast model) to
include the redraws of a real-time stream; use fewer ``--tokens`` then.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRIVER = str(ROOT / "tests" / "render_driver.py")
COLUMNS, ROWS = 100, 50
CHUNK = 12  # characters per delta, about 3 tokens


def run_in_pty(argv: list[str]) -> tuple[float, float, int]:
    """Run argv with a pty as stdin/stdout/stderr; (cpu seconds, wall seconds, bytes out)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    received = 0
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received += len(data)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    os.close(master)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall, received


def one_shot_child(tokens: int) -> None:
    """Child mode: render the whole answer once, like a non-streaming Markdown print."""
    sys.path.insert(0, str(ROOT / "tests"))
    from render_driver import sample_answer
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(sample_answer(tokens)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between deltas")
    parser.add_argument("--one-shot-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_shot_child is not None:
        one_shot_child(args.one_shot_child)
        return

    def driver(tokens: int, *extra: str) -> list[str]:
        delay = ["--delay", str(args.delay)] if args.delay and tokens else []
        return [sys.executable, DRIVER, "--sample", str(tokens), "--chunk", str(CHUNK), *delay, *extra]

    cases = {
        "startup raw": driver(0, "--raw"),
        "startup live": driver(0),
        "raw": driver(args.tokens, "--raw"),
        "live": driver(args.tokens),
        "one-shot render": [sys.executable, __file__, "--one-shot-child", str(args.tokens)],
    }
    sys.path.insert(0, str(ROOT / "tests"))
    from render_driver import sample_answer

    answer = sample_answer(args.tokens)
    print(
        f"answer: {len(answer):,} chars, {len(answer.split()):,} words, ~{len(answer) // 4:,} tokens, "
        f"{len(answer) // CHUNK:,} deltas of {CHUNK} chars; pty {COLUMNS}x{ROWS}; "
        f"delay {args.delay} s; median of {args.runs}"
    )
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, argv in cases.items():
            results[name].append(run_in_pty(argv))
    med = {name: tuple(statistics.median(r[i] for r in runs) for i in range(3)) for name, runs in results.items()}
    print(f"{'case':<16} {'cpu s':>8} {'wall s':>8} {'bytes out':>11}")
    for name, (cpu, wall, size) in med.items():
        print(f"{name:<16} {cpu:8.3f} {wall:8.3f} {int(size):11,}")
    raw = med["raw"][0] - med["startup raw"][0]
    live = med["live"][0] - med["startup live"][0]
    floor = med["one-shot render"][0] - med["startup live"][0]
    print(
        f"\nwithout startup: raw {raw:.3f} s, live {live:.3f} s, one-shot render {floor:.3f} s"
        f"\nlive - raw: {med['live'][0] - med['raw'][0]:+.3f} s CPU "
        f"({(med['live'][0] / med['raw'][0] - 1) * 100:+.0f}% of the raw process); "
        f"live over the one-shot render: {(live / floor - 1) * 100 if floor > 0 else 0:+.0f}%"
    )
    if args.delay:
        redraw = live - floor - raw
        print(f"redrawing while streaming: ~{redraw / med['live'][1] * 1000:.0f} ms CPU per second")


if __name__ == "__main__":
    main()
