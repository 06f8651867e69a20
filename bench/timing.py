"""Shared helpers for the benchmarks: run commands several times, report medians side by side."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
BIN = Path(sys.executable).parent
APPAM = str(BIN / "appam")


def time_command(argv: list[str], env: dict | None = None, stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        argv,
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, **(env or {})),
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def compare(cases: dict[str, callable], runs: int = 5) -> dict[str, list[float]]:
    """Interleave the cases run by run (the machine is noisy), then print medians."""
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            results[name].append(fn())
    width = max(len(n) for n in cases)
    for name, times in results.items():
        spread = f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"
        print(f"{name:<{width}}  median {statistics.median(times):7.3f} s   {spread}")
    return results
