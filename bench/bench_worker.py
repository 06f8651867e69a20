"""The provider worker: appam's model path in-process, with a cold worker and a warm one, beside llm.

    .venv/bin/python bench/bench_worker.py [--runs 5] [--llm /tmp/llmvenv/bin/llm] [--tokens 20000]

Against the loopback OpenAI-compatible server of tests/ (no network), medians over ``--runs``,
the cases interleaved run by run (the machine is noisy):

1. ``appam run --raw "hello world"``, launch -> printed -> saved: in-process
   (``APPAM_PROVIDER_WORKER=0``), a cold worker (stopped before each run: the run starts it and
   waits for it), a warm worker; ``llm -m <model> "hello world"`` when llm is installed.
2. ``appam chat`` in a pty, Enter at once after the prompt appears -> the answer on screen,
   with the worker warm and in-process; one piped chat turn (``echo hi | appam chat``), whole process.
3. A ``--tokens``-chunk stream: the whole process, and CPU per chunk in the client process
   (its rusage) and in the worker (its children's CPU, from /proc) against in-process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from timing import APPAM

MODEL = "openai/test-model"


def env_for(home: Path, worker: bool, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APPAM_WORKER_DIR", "COLUMNS", "LINES")}
    env.update(APPAM_HOME=str(home), APPAM_PROVIDER_WORKER="1" if worker else "0", OPENAI_API_KEY="sk-bench")
    env.update(extra)
    return env


def run_once(argv: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float]:
    """Wall seconds and the process's CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def worker_pid(home: Path) -> int | None:
    from appam_cli.providers import worker_control
    from appam_cli.providers.worker_place import Place

    return worker_control.status(Place(home / "worker")).pid


def stop_worker(home: Path) -> None:
    from appam_cli.providers import worker_control
    from appam_cli.providers.worker_place import Place

    worker_control.stop(Place(home / "worker"))


def children_cpu(pid: int) -> float:
    """CPU seconds of ``pid``'s reaped children (the worker's forked request handlers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def llm_env(folder: Path, url: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extra-openai-models.yaml").write_text(
        f"- model_id: bench\n  model_name: test-model\n  api_base: \"{url}\"\n  api_key_name: bench\n"
    )
    (folder / "keys.json").write_text('{"bench": "sk-bench"}')
    return dict(os.environ, LLM_USER_PATH=str(folder))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[tuple[str, dict[str, list[float]]]], columns: list[str], unit: str = "s") -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  " + "  ".join(f"{c:>14}" for c in columns))
    for name, cells in rows:
        out = []
        for c in columns:
            v = cells.get(c)
            out.append(f"{median(v):>12.3f} {unit}" if v else f"{'-':>14}")
        print(f"{name:<{width}}  " + "  ".join(out))


def main() -> None:
    from provider_server import ProviderServer, Reply

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--llm", default="/tmp/llmvenv/bin/llm")
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--only", choices=("stream",), help="only the stream case (CPU per chunk)")
    args = parser.parse_args()
    llm = shutil.which(args.llm) or (args.llm if Path(args.llm).exists() else None)
    root = Path(tempfile.mkdtemp(prefix="appam-bench-"))
    home_local, home_worker = root / "local", root / "worker"
    cells: dict[str, dict[str, list[float]]] = {k: {} for k in ("run", "chat", "piped", "stream", "cpu")}

    def add(row: str, column: str, value: float) -> None:
        cells[row].setdefault(column, []).append(value)

    with ProviderServer() as server:
        run = [APPAM, "run", "--raw", "hello world", "-m", MODEL, "--api-base", server.url]
        lenv = llm_env(root / "llm", server.url) if llm else None
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", flush=True)
            if args.only != "stream":
                short_cases(add, run, lenv, llm, home_local, home_worker, server)
            words = [f"w{n} " for n in range(args.tokens)]
            # "unbatched": the worker's child sends a frame per event (APPAM_WORKER_BATCH_MS=0)
            for worker, column, extra in ((False, "in-process", {}), (True, "warm worker", {}),
                                          (True, "unbatched", {"APPAM_WORKER_BATCH_MS": "0"})):
                home = home_worker if worker else home_local
                pid = worker_pid(home) if worker else None
                before = children_cpu(pid) if pid else 0.0
                server.enqueue(Reply(words))
                wall, cpu = run_once([*run[:3], "count", *run[4:]], env_for(home, worker, **extra))
                add("stream", column, wall)
                add("cpu", f"{column} client", cpu / args.tokens * 1e6)
                if pid:
                    time.sleep(1.5)  # the child is reaped within the worker's 1 s tick
                    add("cpu", f"{column} child", (children_cpu(pid) - before) / args.tokens * 1e6)
            if llm and lenv:
                server.enqueue(Reply(words))
                wall, cpu = run_once([llm, "-m", "bench", "count"], lenv)
                add("stream", "llm", wall)
                add("cpu", "llm client", cpu / args.tokens * 1e6)
        stop_worker(home_worker)
    print(f"\nmedians of {args.runs} runs (loopback server; llm: {llm or 'not installed'})\n")
    cols = ["in-process", "cold worker", "warm worker", "unbatched", "llm"]
    table([("appam run short prompt", cells["run"]), ("chat: Enter at once -> answer", cells["chat"]),
           ("one piped chat turn", cells["piped"]), (f"{args.tokens}-chunk stream", cells["stream"])], cols)
    print("\nCPU per streamed chunk")
    table([("", cells["cpu"])], sorted(cells["cpu"]), unit="us")
    shutil.rmtree(root, ignore_errors=True)


def short_cases(add, run, lenv, llm, home_local, home_worker, server) -> None:  # type: ignore[no-untyped-def]
    """A short prompt with ``run`` (in-process, cold and warm worker), in ``chat`` (pty) and piped."""
    from bench_chat import Pty, chat_args

    add("run", "in-process", run_once(run, env_for(home_local, False))[0])
    stop_worker(home_worker)
    add("run", "cold worker", run_once(run, env_for(home_worker, True))[0])
    add("run", "warm worker", run_once(run, env_for(home_worker, True))[0])
    if llm and lenv:
        add("run", "llm", run_once([llm, "-m", "bench", "hello world"], lenv)[0])

    for worker, column in ((True, "warm worker"), (False, "in-process")):
        env = env_for(home_worker if worker else home_local, worker, TERM="xterm-256color")
        pty = Pty(chat_args(server.url), env)
        try:
            pty.read_until(b"new session")
            sent = time.perf_counter()
            pty.child.send("XYZZY\r")
            add("chat", column, pty.read_until(b"echo: XYZZY") - sent)
        finally:
            pty.close()
    piped = [APPAM, "chat", "-m", MODEL, "--api-base", server.url]
    add("piped", "in-process", run_once(piped, env_for(home_local, False), b"hi\n")[0])
    add("piped", "warm worker", run_once(piped, env_for(home_worker, True), b"hi\n")[0])
    if llm and lenv:
        add("piped", "llm", run_once([llm, "chat", "-m", "bench"], lenv, b"hi\nquit\n")[0])


if __name__ == "__main__":
    main()
