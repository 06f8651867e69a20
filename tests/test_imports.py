"""Import guards: the fast paths never load the heavy modules (design.md, "Speed rules").

``import litellm`` costs 3-4 s; sqlmodel/sqlalchemy (the schema code) and
prompt_toolkit cost more than a whole ``--help``. Each check runs the installed
``appam`` as a subprocess and reads Python's import-time report (``import_report``),
so a failure names the chain that pulled the heavy module in.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import APPAM
from import_report import NOT_FOR_HELP, NOT_FOR_READING, PROVIDER, TIMEOUT, assert_light, run_appam
from sessions_store import make_session, save

pytestmark = pytest.mark.e2e  # every test runs `appam` as a process


def _command_paths() -> list[list[str]]:
    """Every visible command and group of the Typer app, e.g. ['run'], ['sessions', 'list']."""
    import typer

    from appam_cli.cli.app import app

    paths: list[list[str]] = []

    def walk(group, prefix: list[str]) -> None:  # a (Typer-vendored) click Group
        for name, cmd in sorted(group.commands.items()):
            if cmd.hidden:
                continue
            paths.append(prefix + [name])
            if hasattr(cmd, "commands"):
                walk(cmd, prefix + [name])

    walk(typer.main.get_command(app), [])
    return paths


# -- help, version, completion ---------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["run", "--help"], ["sessions", "--help"], ["sessions", "list", "--help"]],
    ids=lambda args: " ".join(args),
)
def test_help_and_version_stay_light(args: list[str], appam_home: Path) -> None:
    run = run_appam(*args)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()
    assert_light(run, NOT_FOR_HELP)
    assert not (appam_home / "sessions.db").exists(), "a help screen must not create the store"


def test_every_command_help_stays_light(appam_home: Path) -> None:
    """Commands added later are guarded too: `appam <each command> --help`, run in parallel."""
    paths = _command_paths()
    assert ["run"] in paths and ["sessions", "show"] in paths
    with ThreadPoolExecutor(max_workers=min(8, len(paths))) as pool:
        runs = list(pool.map(lambda path: run_appam(*path, "--help"), paths))
    problems = [run.explain(NOT_FOR_HELP) for run in runs if run.heavy(NOT_FOR_HELP)]
    failed = [f"`appam {' '.join(run.args)}` exited {run.returncode}: {run.stderr}" for run in runs if run.returncode]
    assert not failed, "\n".join(failed)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "shell, request_env",
    [
        ("bash", {"_APPAM_COMPLETE": "complete_bash", "COMP_WORDS": "appam ses", "COMP_CWORD": "1"}),
        ("bash", {"_APPAM_COMPLETE": "complete_bash", "COMP_WORDS": "appam run --mo", "COMP_CWORD": "2"}),
        ("zsh", {"_APPAM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "appam sessions "}),
        (
            "fish",
            {
                "_APPAM_COMPLETE": "complete_fish",
                "_TYPER_COMPLETE_ARGS": "appam sessions show --",
                "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            },
        ),
    ],
    ids=["bash-command", "bash-option", "zsh", "fish"],
)
def test_completion_request_stays_light(shell: str, request_env: dict[str, str], appam_home: Path) -> None:
    run = run_appam(env={**os.environ, **request_env})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip(), f"no candidates for {shell}"
    assert_light(run, NOT_FOR_HELP)
    assert not (appam_home / "sessions.db").exists(), "completion must not create the store"


# -- reading the store ------------------------------------------------------------------


def _save_sessions(home: Path) -> list[str]:
    """A store with two finished sessions (messages, ledger rows, a priced and an unpriced
    request), written by SessionHistory into $APPAM_HOME as `appam run` would."""
    first = make_session(
        "why is the sky blue?",
        "# Rayleigh scattering\n\nShort wavelengths scatter **more**:\n\n- blue\n- violet\n",
        tokens=(12, 34),
        cost=0.000123,
    )
    second = make_session("hello", "Hi", model="ollama/llama3.2", status="interrupted", tokens=(3, 1), cost=None)
    second.messages[-1].status = "incomplete"
    second.requests[0].status = "interrupted"
    return save(home, first) + save(home, second)


def test_sessions_list_on_a_fresh_home_never_imports_litellm(appam_home: Path) -> None:
    """No store yet. Creating it runs the first migration, which may import the schema code
    (sqlmodel); the provider layer is never loaded."""
    run = run_appam("sessions", "list")
    assert run.returncode == 0, run.stderr
    assert "No saved sessions" in run.stdout
    assert_light(run, PROVIDER)


def test_sessions_list_on_an_empty_store_stays_light(appam_home: Path) -> None:
    from appam_cli.store import SessionHistory

    history = SessionHistory()
    assert history.session_count() == 0  # creates the store (and migrates it) in this process
    history.close()
    for args in (["sessions", "list"], ["sessions", "list", "--json"]):
        run = run_appam(*args)
        assert run.returncode == 0, run.stderr
        assert_light(run, NOT_FOR_READING)


def test_reading_saved_sessions_stays_light(appam_home: Path) -> None:
    first, second = _save_sessions(appam_home)
    checks = {
        ("sessions", "list"): lambda out: first[:8] in out and second[:8] in out,
        ("sessions", "list", "--all", "--json"): lambda out: [json.loads(line)["session_id"] for line in out.splitlines()]
        == [second, first],
        ("sessions", "show", first): lambda out: "Rayleigh scattering" in out,
        ("sessions", "show", first[:8], "--raw"): lambda out: "Rayleigh scattering" in out,
        ("sessions", "show", "last", "--json"): lambda out: json.loads(out)["session_id"] == second,
    }
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        runs = list(pool.map(lambda args: run_appam(*args), checks))
    for run, check in zip(runs, checks.values(), strict=True):
        assert run.returncode == 0, f"`appam {' '.join(run.args)}` exited {run.returncode}: {run.stderr}"
        assert check(run.stdout), f"`appam {' '.join(run.args)}` printed:\n{run.stdout}"
        assert_light(run, NOT_FOR_READING)


def test_reading_a_store_written_by_appam_run_stays_light(appam_home: Path, provider) -> None:
    """The store as the real `appam run` leaves it (this run loads litellm, ~3 s)."""
    created = subprocess.run(
        [APPAM, "run", "hi there", "-m", "openai/test-model", "--api-base", provider.url, "--raw"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert created.returncode == 0, created.stderr
    for args in (["sessions", "list"], ["sessions", "show", "last"], ["sessions", "show", "last", "--json"]):
        run = run_appam(*args)
        assert run.returncode == 0, run.stderr
        assert "hi there" in run.stdout
        assert_light(run, NOT_FOR_READING)
