"""The chat REPL in a pseudo-terminal: start-up, typing while litellm loads, the first answer.

    .venv/bin/python bench/bench_chat.py [--runs 5] [--seconds 6]

1. start-up: from spawning ``appam chat`` in a 120x40 pty until its prompt is on
   screen, and until the toolbar is (drawn once the terminal answers prompt-toolkit's
   cursor-position request). Medians of the runs.
2. keystroke-to-echo: right after the prompt appears, one key every ~20 ms for
   ``--seconds``, each timed from the write until the program echoes it. litellm
   loads during the first seconds (its import time in a fresh interpreter is
   measured too, to know which keys fell inside it). Two modes, interleaved run by
   run: the default provider worker process, and ``APPAM_PROVIDER_WORKER=0`` (the
   import in a background thread of the chat itself). Median and max per window.
3. the first answer: Enter pressed at once after the prompt appears (the user typed
   faster than litellm loads) vs. after 6 s of typing (it has loaded): time from
   Enter until the answer is on screen.

The pty answers prompt-toolkit's cursor-position requests as a terminal does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
from timing import APPAM

COLUMNS, ROWS = 120, 40
CPR = b"\x1b[6n"
KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # upper case: nothing else on screen redraws them


class Pty:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.child = pexpect.spawn(APPAM, args, dimensions=(ROWS, COLUMNS), env=env, timeout=60)
        self.child.delaybeforesend = None
        self.seen = b""

    def read_until(self, token: bytes, timeout: float = 60) -> float:
        """Read until ``token`` appears in what is new; the time it appeared."""
        deadline = time.perf_counter() + timeout
        start = len(self.seen)
        while token not in self.seen[start:]:
            if time.perf_counter() > deadline:
                raise SystemExit(f"never saw {token!r}; got {self.seen[-400:]!r}")
            try:
                data = self.child.read_nonblocking(65536, timeout=0.5)
            except pexpect.TIMEOUT:
                continue
            for _ in range(data.count(CPR)):
                self.child.send(f"\x1b[{ROWS};1R")
            self.seen += data
        return time.perf_counter()

    def close(self) -> None:
        self.child.terminate(force=True)
        self.child.close()


def chat_env(home: Path, worker: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", APPAM_HOME=str(home))
    if not worker:
        env["APPAM_PROVIDER_WORKER"] = "0"
    return env


def chat_args(url: str) -> list[str]:
    return ["chat", "-m", "openai/test-model", "--api-base", url]


def startup(home: Path, url: str) -> tuple[float, float]:
    """(prompt on screen, toolbar on screen) in seconds after spawn. The greeting line is
    printed just before prompt-toolkit draws; the first ``>`` after it is the prompt. The
    toolbar comes with the redraw that follows the terminal's cursor-position answer."""
    pty = Pty(chat_args(url), chat_env(home, True))
    try:
        pty.read_until(b"Ctrl-D quits")
        prompt = pty.read_until(b">")
        toolbar = pty.read_until(b"new session")
        return prompt - pty.started, toolbar - pty.started
    finally:
        pty.close()


def keystrokes(home: Path, url: str, worker: bool, seconds: float) -> list[tuple[float, float]]:
    """(seconds since the prompt appeared, echo latency in ms) for each key."""
    pty = Pty(chat_args(url), chat_env(home, worker))
    try:
        shown = pty.read_until(b"new session")
        out = []
        i = 0
        while time.perf_counter() - shown < seconds:
            key = KEYS[i % len(KEYS)]
            i += 1
            sent = time.perf_counter()
            pty.child.send(key)
            echoed = pty.read_until(key.encode(), timeout=10)
            out.append((sent - shown, (echoed - sent) * 1000))
            pause = 0.02 - (time.perf_counter() - sent)
            if pause > 0:
                time.sleep(pause)
        return out
    finally:
        pty.close()


def first_answer(home: Path, url: str, wait: float) -> float:
    """Seconds from Enter until the answer is on screen; Enter after ``wait`` s at the prompt."""
    pty = Pty(chat_args(url), chat_env(home, True))
    try:
        shown = pty.read_until(b"new session")
        pty.child.send("XYZZY")
        pty.read_until(b"XYZZY")
        time.sleep(max(0.0, wait - (time.perf_counter() - shown)))
        sent = time.perf_counter()
        pty.child.send("\r")
        return pty.read_until(b"echo: XYZZY") - sent
    finally:
        pty.close()


def import_seconds() -> float:
    code = (
        "import os,time;os.environ['LITELLM_LOCAL_MODEL_COST_MAP']='True';"
        "t=time.perf_counter();import litellm;print(time.perf_counter()-t)"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def summary(values: list[float]) -> str:
    if not values:
        return "no keys"
    return f"median {statistics.median(values):6.1f} ms   max {max(values):6.1f} ms   (n={len(values)})"


def main() -> None:
    from provider_server import ProviderServer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0, help="how long to type in each keystroke run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ProviderServer() as server:
        home = Path(tmp)
        loads = [import_seconds() for _ in range(3)]
        load = statistics.median(loads)
        print(f"import litellm in a fresh interpreter: median {load:.2f} s\n")

        starts = [startup(home, server.url) for _ in range(args.runs)]
        for index, what in enumerate(("prompt", "toolbar")):
            times = [s[index] for s in starts]
            print(
                f"start-up, spawn -> {what} on screen: median {statistics.median(times) * 1000:.0f} ms "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, n={len(times)})"
            )
        print()

        results: dict[str, list[tuple[float, float]]] = {"worker process": [], "thread (APPAM_PROVIDER_WORKER=0)": []}
        for _ in range(args.runs):
            results["worker process"] += keystrokes(home, server.url, True, args.seconds)
            results["thread (APPAM_PROVIDER_WORKER=0)"] += keystrokes(home, server.url, False, args.seconds)
        print(f"keystroke -> echo, one key every ~20 ms ({args.runs} runs of {args.seconds:g} s):")
        for name, samples in results.items():
            during = [ms for t, ms in samples if t < load]
            after = [ms for t, ms in samples if t >= load + 1]
            print(f"  {name}")
            print(f"    while litellm loads (first {load:.1f} s): {summary(during)}")
            print(f"    after it has loaded:              {summary(after)}")

        early = [first_answer(home, server.url, 0.0) for _ in range(args.runs)]
        late = [first_answer(home, server.url, load + 2) for _ in range(args.runs)]
        print("\nfirst answer on screen after Enter:")
        print(f"  Enter at once (litellm still loading): median {statistics.median(early):.2f} s")
        print(f"  Enter after {load + 2:.0f} s at the prompt:          median {statistics.median(late):.2f} s")


if __name__ == "__main__":
    main()
