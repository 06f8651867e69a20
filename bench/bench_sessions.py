"""Session commands on a big store, whole process, side by side with `llm logs`.

    .venv/bin/python bench/make_big_db.py /tmp/bigdb          # once: ~100k sessions / 1M messages
    .venv/bin/python bench/bench_sessions.py /tmp/bigdb [--runs 5] [--llm /tmp/llmvenv/bin/llm]

Medians of the runs, cases interleaved run by run (timing.compare). Targets (issue 3):
  sessions list ≤ 0.4 s · show of 200 messages ≤ 0.6 s raw, ≤ 1.5 s rendered · search ≤ 0.6 s ·
  continue on 2,000 messages ≤ 0.2 s over a fresh session.

`continue` with a prompt imports litellm (3-4 s here), which would drown a 0.2 s difference
in noise. So it is measured twice:
  1. in-process, the part that depends on the session's length: open the store, load the
     session, build the provider request from its messages, and the first save of the
     appended prompt (run_turn_cli loads with its own SessionHistory, so that save checks
     every earlier message; unchanged ones are not rewritten) - 2,000 messages vs 2;
  2. whole process, `appam continue ID PROMPT --no-stream` against the loopback provider,
     2,000 messages vs 2 (each run appends an exchange to the benchmark store).
`llm logs` runs from its own venv (it cannot share ours); skipped when it is not there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from timing import APPAM, compare, time_command

TARGETS = {
    "appam sessions list": 0.4,
    "appam sessions show (200 msgs) --raw": 0.6,
    "appam sessions show (200 msgs) rendered": 1.5,
    "appam sessions search RARE": 0.6,
    "appam sessions search COMMON": 0.6,
}


def continue_path(home: Path, session_id: str) -> float:
    """Seconds for what `continue` does before and after the request, in this process."""
    from appam_cli.agent import Agent
    from appam_cli.datamodel import ChatMessage
    from appam_cli.store import SessionHistory

    started = time.perf_counter()
    session = SessionHistory(db_path=home / "sessions.db").load_session(session_id)
    agent = Agent(session.model or "gpt-4o-mini")
    session.messages.append(ChatMessage("user", "one more question"))
    agent.provider_request([m.to_provider() for m in session.messages])
    saver = SessionHistory(db_path=home / "sessions.db")  # as the turn's own history
    saver.save_session(session)
    elapsed = time.perf_counter() - started
    session.messages.pop()  # put the store back as it was
    saver.save_session(session)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="The folder make_big_db.py wrote.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--llm", default="/tmp/llmvenv/bin/llm", help="The `llm` executable (from its own venv).")
    parser.add_argument("--skip-continue-process", action="store_true", help="Skip the slow whole-process continue.")
    args = parser.parse_args()
    ids = json.loads((args.data / "ids.json").read_text())
    home = args.data / "appam"
    env = {"APPAM_HOME": str(home), "COLUMNS": "100"}
    rendered = dict(env, TTY_COMPATIBLE="1")  # Rich renders as for a terminal; stdout is still a pipe (no pager)
    print(f"appam store: {ids['sessions']:,} sessions, {ids['messages']:,} messages; "
          f"search words: {ids['word_rare']!r} (rare), {ids['word_common']!r} (common); {args.runs} runs each\n")

    cases = {
        "appam sessions list": lambda: time_command([APPAM, "sessions", "list"], env),
        "appam sessions show (200 msgs) --raw": lambda: time_command(
            [APPAM, "sessions", "show", ids["show200"], "--raw"], env
        ),
        "appam sessions show (200 msgs) rendered": lambda: time_command(
            [APPAM, "sessions", "show", ids["show200"]], rendered
        ),
        "appam sessions search RARE": lambda: time_command([APPAM, "sessions", "search", ids["word_rare"]], env),
        "appam sessions search COMMON": lambda: time_command([APPAM, "sessions", "search", ids["word_common"]], env),
    }
    llm = shutil.which(args.llm) or (args.llm if Path(args.llm).exists() else None)
    llm_db = args.data / "llm" / "logs.db"
    if llm and llm_db.exists():
        llm_env = {"LLM_USER_PATH": str(args.data / "llm")}
        db = ["-d", str(llm_db)]
        cases.update(
            {
                "llm logs -n 20": lambda: time_command([llm, "logs", "-n", "20", *db], llm_env),
                "llm logs -q RARE": lambda: time_command([llm, "logs", "-q", ids["word_rare"], *db], llm_env),
                "llm logs -q COMMON": lambda: time_command([llm, "logs", "-q", ids["word_common"], *db], llm_env),
                "llm logs --cid (200 msgs)": lambda: time_command([llm, "logs", "--cid", ids["llm_cid"], *db], llm_env),
            }
        )
    else:
        print(f"(llm not found at {args.llm} or no {llm_db}: skipping the llm cases)\n")
    results = compare(cases, runs=args.runs)

    print("\ncontinue, in-process (load + build request + first save), 2,000 messages vs 2:")
    inproc = compare(
        {
            "continue path, 2,000 messages": lambda: continue_path(home, ids["continue2000"]),
            "continue path, 2 messages": lambda: continue_path(home, ids["fresh"]),
        },
        runs=max(args.runs, 7),
    )
    extra = statistics.median(inproc["continue path, 2,000 messages"]) - statistics.median(
        inproc["continue path, 2 messages"]
    )
    print(f"  -> 2,000 messages add {extra * 1000:.0f} ms (target ≤ 200 ms)")

    if not args.skip_continue_process:
        import sys

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from provider_server import ProviderServer

        print("\ncontinue, whole process with --no-stream against the loopback provider:")
        with ProviderServer() as server:

            def run_continue(sid: str) -> float:
                return time_command(
                    [
                        APPAM,
                        "continue",
                        sid,
                        "one more question",
                        "--no-stream",
                        "-m",
                        "openai/test-model",
                        "--api-base",
                        server.url,
                    ],
                    env,
                )

            whole = compare(
                {
                    "appam continue (2,000 msgs)": lambda: run_continue(ids["continue2000"]),
                    "appam continue (2 msgs)": lambda: run_continue(ids["fresh"]),
                },
                runs=args.runs,
            )
        extra = statistics.median(whole["appam continue (2,000 msgs)"]) - statistics.median(
            whole["appam continue (2 msgs)"]
        )
        print(f"  -> 2,000 messages add {extra * 1000:.0f} ms (noise of the litellm import included)")

    print("\ntargets:")
    for name, limit in TARGETS.items():
        median = statistics.median(results[name])
        print(f"  {name:<42} {median:6.3f} s  {'ok' if median <= limit else 'OVER'} (≤ {limit} s)")


if __name__ == "__main__":
    main()
