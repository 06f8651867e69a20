"""The whole `appam run` on a terminal: --raw vs. live Markdown for a ~20k-token answer.

Each run streams the same deterministic Markdown answer (tests/render_driver.py
`sample_answer`) from the loopback provider in ~3-token deltas into `appam run`
whose stdout is a 100x50 pseudo-terminal. Reported: the child's CPU time
(user + system) and wall time, medians, cases interleaved run by run.

    python bench/bench_run_render.py [--runs 5] [--tokens 20000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_render import run_in_pty  # noqa: E402
from timing import APPAM  # noqa: E402  (also puts tests/ on sys.path)

CHUNK = 12  # characters per delta, about 3 tokens


def main() -> None:
    from provider_server import ProviderServer, Reply
    from render_driver import sample_answer

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20000)
    args = parser.parse_args()
    answer = sample_answer(args.tokens)
    chunks = [answer[i : i + CHUNK] for i in range(0, len(answer), CHUNK)]
    print(f"answer: {len(answer):,} characters in {len(chunks):,} deltas; {args.runs} runs each\n")

    with tempfile.TemporaryDirectory() as home, ProviderServer(default=lambda body: Reply(chunks)) as server:
        base = [APPAM, "run", "write", "-m", "openai/test-model", "--api-base", server.url]
        cases = {"appam run --raw": base + ["--raw"], "appam run (live Markdown)": base}
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
        import os

        os.environ["APPAM_HOME"] = home
        for _ in range(args.runs):
            for name, argv in cases.items():
                results[name].append(run_in_pty(argv))
    width = max(map(len, cases))
    medians = {}
    for name, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        medians[name] = cpu
        print(f"{name:<{width}}  CPU {cpu:6.2f} s   wall {wall:6.2f} s")
    raw, live = medians["appam run --raw"], medians["appam run (live Markdown)"]
    print(f"\nlive adds {100 * (live - raw) / raw:+.1f}% CPU over raw")


if __name__ == "__main__":
    main()
