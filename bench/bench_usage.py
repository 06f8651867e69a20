"""Whole-process `appam usage` over a large ledger (the issue's target: 1M requests in <= 1 s).

    .venv/bin/python bench/bench_usage.py [--rows 1000000] [--runs 5] [--keep DIR]

Fills a fresh store with N ledger rows (one row per provider request, spread over a year,
12 models, 3 agents, sessions of 1-40 requests each with one agent and mostly one model,
2 % unpriced, 1 % estimated), then times, as separate processes: `appam usage --by day`,
`--by model`, `--by model --since 30d`, `--by month --json`, `--by agent`, `--by session --csv`.
Medians of the runs, the cases interleaved run by run.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from timing import APPAM, compare, time_command

MODELS = [
    "gpt-4o-mini", "gpt-4o", "o4-mini", "anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5",
    "gemini/gemini-2.5-flash", "gemini/gemini-2.5-pro", "deepseek/deepseek-chat", "mistral/mistral-small-latest",
    "groq/llama-3.3-70b-versatile", "openai/local-model", "ollama/llama3.2",
]
AGENTS = ["default", "coder", "writer"]


def make_store(home: Path) -> None:
    """Create the schema the normal way (a migration), in a child process of this one."""
    import os
    import subprocess

    code = "from appam_cli.store import SessionHistory; SessionHistory().conn"
    subprocess.run([str(Path(APPAM).with_name("python")), "-c", code], check=True,
                   env=dict(os.environ, APPAM_HOME=str(home)))


def fill(home: Path, rows: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    span = (now - start).total_seconds()
    conn = sqlite3.connect(home / "sessions.db")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    sql = (
        "INSERT INTO requests (session_id, agent_name, model, started_at, duration_ms, ttft_ms, status, "
        "input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, "
        "usage_estimated, imported) VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?, 0)"
    )
    offsets = sorted(rng.random() * span for _ in range(rows))  # the ledger grows in time order
    batch = []
    session, left, model, agent = 0, 0, MODELS[0], AGENTS[0]
    for offset in offsets:
        if left == 0:  # a new session: one agent, one model (sometimes switched with -m)
            session, left = session + 1, rng.randint(1, 40)
            model, agent = MODELS[rng.randrange(len(MODELS))], AGENTS[rng.randrange(3)]
        left -= 1
        if rng.random() < 0.02:
            model = MODELS[rng.randrange(len(MODELS))]
        when = (start + timedelta(seconds=offset)).strftime("%Y-%m-%d %H:%M:%S.%f")
        inp = rng.randint(50, 20000)
        out = rng.randint(10, 2000)
        cost = None if rng.random() < 0.02 else (inp * 1e-6 + out * 4e-6)
        batch.append((
            f"session-{session:06d}", agent, model, when, rng.randint(200, 9000),
            rng.randint(100, 900), inp, out, 0, inp // 3, out // 5, cost, int(rng.random() < 0.01),
        ))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            conn.commit()
            batch.clear()
    conn.executemany(sql, batch)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="fill (or reuse) the store in this folder instead of a temp one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.keep or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        if not (home / "sessions.db").exists():
            started = time.perf_counter()
            make_store(home)
            fill(home, args.rows)
            print(f"filled {args.rows:,} ledger rows in {time.perf_counter() - started:.1f} s")
        size = (home / "sessions.db").stat().st_size / 1e6
        print(f"store {size:.0f} MB; {args.runs} runs each (whole process)\n")
        env = {"APPAM_HOME": str(home), "COLUMNS": "120"}
        compare(
            {
                "appam usage --by day": lambda: time_command([APPAM, "usage", "--by", "day"], env),
                "appam usage --by model": lambda: time_command([APPAM, "usage", "--by", "model"], env),
                "appam usage --by model --since 30d": lambda: time_command(
                    [APPAM, "usage", "--by", "model", "--since", "30d"], env
                ),
                "appam usage --by month --json": lambda: time_command([APPAM, "usage", "--by", "month", "--json"], env),
                "appam usage --by agent": lambda: time_command([APPAM, "usage", "--by", "agent"], env),
                "appam usage --by session --csv": lambda: time_command(
                    [APPAM, "usage", "--by", "session", "--csv"], env
                ),
                "appam --help (baseline)": lambda: time_command([APPAM, "--help"], env),
            },
            runs=args.runs,
        )


if __name__ == "__main__":
    main()
