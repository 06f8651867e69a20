"""Whole-process timings of everyday commands, against the loopback provider.

    .venv/bin/python bench/bench_cli.py [--runs 5] [--sessions 1000]

Cases: `appam --help`; `appam sessions list` over N saved sessions; a one-shot
short prompt from launch until the session is saved. Medians of the runs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from timing import APPAM, compare, time_command


def fill_store(home: Path, count: int) -> None:
    from appam_cli import ChatMessage, Session, SessionHistory
    from appam_cli.datamodel import AggregatedUsage, RequestRecord, RequestUsage

    history = SessionHistory(db_path=home / "sessions.db")
    for i in range(count):
        s = Session(model="openai/test-model", title=f"question number {i}", status="completed")
        s.messages = [
            ChatMessage(role="user", content=f"question number {i}"),
            ChatMessage(role="assistant", content="answer " * 50),
        ]
        usage = RequestUsage(input_tokens=20, output_tokens=50)
        s.requests.append(RequestRecord(model="openai/test-model", usage=usage, cost_usd=0.0001))
        s.usage = AggregatedUsage()
        s.usage.add_request(usage, 0.0001)
        history.save_session(s)


def main() -> None:
    from provider_server import ProviderServer

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ProviderServer() as server:
        home = Path(tmp)
        fill_store(home, args.sessions)
        env = {"APPAM_HOME": str(home)}
        run_home = home / "run"
        print(f"{args.sessions} saved sessions; {args.runs} runs each\n")
        compare(
            {
                "appam --help": lambda: time_command([APPAM, "--help"], env),
                f"appam sessions list ({args.sessions} sessions)": lambda: time_command(
                    [APPAM, "sessions", "list"], env
                ),
                "appam run 'hi' (launch -> saved)": lambda: time_command(
                    [APPAM, "run", "hi", "-m", "openai/test-model", "--api-base", server.url],
                    {"APPAM_HOME": str(run_home)},
                ),
            },
            runs=args.runs,
        )


if __name__ == "__main__":
    main()
