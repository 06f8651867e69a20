"""The tool loop costs nothing to commands that do not use it.

    .venv/bin/python bench/bench_tools.py [--runs 5] [--baseline /path/to/other/checkout/.venv/bin/appam]

Against the loopback OpenAI-compatible server of tests/ (no network), the provider worker warm,
medians over ``--runs`` with the cases interleaved run by run (the machine is noisy):

1. ``appam --help``;
2. ``appam run --raw "hello"``: the path every run without tools takes (main's code path);
3. ``appam run --raw -T read_file "hello"``: the same answer with a tool enabled (the registry, the
   built-in and its schema load; the model calls nothing);
4. ``appam run --raw -T read_file "read it"``: one read_file call, then the answer (two requests);
5. with ``--baseline APPAM``: cases 1 and 2 with another build of appam (e.g. main's checkout), to
   show that runs without tools are no slower than before the loop.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from timing import APPAM, compare, time_command  # (puts tests/ on sys.path)

from provider_server import ProviderServer, Reply  # isort: skip

MODEL = "openai/test-model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", help="another appam executable to time cases 1 and 2 with")
    args = parser.parse_args()

    def replies(body: dict) -> Reply:
        messages = body.get("messages") or []
        wants_tool = "read it" in str(messages[-1].get("content")) and messages[-1].get("role") == "user"
        if wants_tool:
            return Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "README.md"}}])
        return Reply("hello there")

    with tempfile.TemporaryDirectory(prefix="appam-bench-tools-") as scratch, ProviderServer(default=replies) as server:
        folder = Path(scratch)
        (folder / "README.md").write_text("# bench\n\nA file for read_file.\n")
        env = {
            "APPAM_HOME": str(folder / "home"),
            "APPAM_WORKER_DIR": str(folder / "worker"),
            "OPENAI_API_KEY": "sk-bench",
            "COLUMNS": "100",
        }
        run = [APPAM, "run", "--raw", "-m", MODEL, "--api-base", server.url]
        os.chdir(folder)
        time_command(run + ["warm up"], env)  # starts the worker: every case below finds it warm
        cases = {
            "appam --help": lambda: time_command([APPAM, "--help"], env),
            "run --raw (no tools)": lambda: time_command(run + ["hello"], env),
            "run --raw -T read_file (no call)": lambda: time_command(run + ["-T", "read_file", "hello"], env),
            "run --raw -T read_file (one call)": lambda: time_command(run + ["-T", "read_file", "read it"], env),
        }
        # the baseline keeps a store and a worker of its own (an older appam refuses a newer schema)
        base_env = {**env, "APPAM_HOME": str(folder / "base-home"), "APPAM_WORKER_DIR": str(folder / "base-worker")}
        if args.baseline:
            base = [args.baseline, "run", "--raw", "-m", MODEL, "--api-base", server.url]
            time_command(base + ["warm up"], base_env)
            cases["baseline --help"] = lambda: time_command([args.baseline, "--help"], base_env)
            cases["baseline run --raw"] = lambda: time_command(base + ["hello"], base_env)
        try:
            compare(cases, runs=args.runs)
        finally:
            time_command([APPAM, "worker", "stop"], env)
            if args.baseline:
                time_command([args.baseline, "worker", "stop"], base_env)


if __name__ == "__main__":
    main()
