"""Whole-process wall time of the fast paths: help screens, `--version`, a Tab completion request.

    .venv/bin/python bench/bench_help.py [--runs 5]

These are the commands tests/test_imports.py guards against heavy imports (litellm,
sqlmodel, prompt_toolkit); this measures what that buys. Each case is a fresh process in an
empty APPAM_HOME (none of them may create the store). Medians of the runs, the cases
interleaved run by run.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from timing import APPAM, compare, time_command

BASH_TAB = {"_APPAM_COMPLETE": "complete_bash", "COMP_WORDS": "appam ses", "COMP_CWORD": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONPROFILEIMPORTTIME", None)  # the import report would slow every case
    with tempfile.TemporaryDirectory() as home:
        env = {"APPAM_HOME": home}
        print(f"{args.runs} runs each\n")
        compare(
            {
                "appam --help": lambda: time_command([APPAM, "--help"], env),
                "appam --version": lambda: time_command([APPAM, "--version"], env),
                "appam run --help": lambda: time_command([APPAM, "run", "--help"], env),
                "appam sessions list --help": lambda: time_command([APPAM, "sessions", "list", "--help"], env),
                "appam <Tab> (bash completion)": lambda: time_command([APPAM], {**env, **BASH_TAB}),
            },
            runs=args.runs,
        )


if __name__ == "__main__":
    main()
