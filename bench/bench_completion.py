"""Whole-process wall time of a Tab press that completes values: session ids on a store of 100k
sessions, model names and aliases after -m, an option's allowed values (target: under 0.2 s each).

    .venv/bin/python bench/make_big_db.py /tmp/bigdb               # once (see README.md)
    .venv/bin/python bench/bench_completion.py /tmp/bigdb [--runs 5]

Each case is the request a shell's completion script sends (completions/appam.*), run as a fresh
`appam` process with APPAM_HOME on the big store, and checked to answer at least one candidate.
The first case completes a command name (nothing read but the command tree): the floor every
other case stands on. Medians of the runs (wall time, then CPU time, which a busy machine
inflates less), the cases interleaved run by run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from timing import APPAM, compare, time_command


def bash(words: str) -> dict[str, str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    return {"_APPAM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}


def zsh(words: str) -> dict[str, str]:
    return {"_APPAM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words}


def fish(words: str) -> dict[str, str]:
    return {
        "_APPAM_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_ARGS": words,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
    }


CPU: dict[str, list[float]] = {}


def timed(name: str, env: dict[str, str]) -> float:
    """Wall time of one request; its CPU time (user + system of the child) goes to CPU[name]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time_command([APPAM], env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(name, []).append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def candidates(request: dict[str, str], env: dict[str, str]) -> int:
    proc = subprocess.run([APPAM], env={**os.environ, **env, **request}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{request} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return len(proc.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bigdb", type=Path, help="The folder make_big_db.py wrote (its appam/sessions.db).")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = args.bigdb / "appam"
    if not (home / "sessions.db").is_file():
        sys.exit(f"{home / 'sessions.db'} not found: run bench/make_big_db.py {args.bigdb} first")
    ids = json.loads((args.bigdb / "ids.json").read_text())
    os.environ.pop("PYTHONPROFILEIMPORTTIME", None)
    env = {"APPAM_HOME": str(home)}
    four = ids["fresh"][:4]
    cases = {
        "bash: appam ses<Tab> (a command: the floor)": bash("appam ses"),
        "bash: sessions show <Tab> (50 newest ids)": bash("appam sessions show "),
        "bash: sessions show a<Tab>": bash("appam sessions show a"),
        f"bash: sessions show {four}<Tab>": bash(f"appam sessions show {four}"),
        "zsh:  continue <Tab> (ids with titles)": zsh("appam continue "),
        "fish: sessions show a<Tab> (ids with titles)": fish("appam sessions show a"),
        "bash: run -m <Tab> (every chat model)": bash("appam run -m "),
        "zsh:  run -m claude<Tab>": zsh("appam run -m claude"),
        "bash: usage --by <Tab>": bash("appam usage --by "),
        "zsh:  models --provider <Tab>": zsh("appam models --provider "),
    }
    print(f"{ids['sessions']:,} sessions in {home}; {args.runs} runs each\n")
    for name, request in cases.items():
        if candidates(request, env) == 0:
            sys.exit(f"{name}: no candidates")
    print("wall time")
    runs = {name: (lambda n=name, r=request: timed(n, {**env, **r})) for name, request in cases.items()}
    compare(runs, runs=args.runs)
    print("\nCPU time (user + system; less sensitive to a busy machine)")
    width = max(len(n) for n in CPU)
    for name, times in CPU.items():
        print(f"{name:<{width}}  median {statistics.median(times):7.3f} s")


if __name__ == "__main__":
    main()
