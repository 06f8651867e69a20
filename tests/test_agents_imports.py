"""Agent files are read only by the commands that use them (design.md, "Speed rules")."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_report import NOT_FOR_HELP, NOT_FOR_READING, assert_light, run_appam

pytestmark = pytest.mark.e2e  # runs `appam` as a process

AGENT_MODULES = {"appam_cli.agent_files", "appam_cli.agent.named"}


@pytest.mark.parametrize(
    "args", [["--help"], ["run", "--help"], ["agents", "--help"], ["sessions", "list"], ["usage"]],
    ids=lambda args: " ".join(args),
)
def test_help_and_reading_commands_do_not_parse_agents(appam_home: Path, args: list[str]) -> None:
    folder = appam_home / "agents"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("model = \n")  # read by anything that parses agents: it would fail
    run = run_appam(*args)
    assert run.returncode == 0, run.stderr
    assert not run.modules() & AGENT_MODULES, args
    assert_light(run, NOT_FOR_HELP if "--help" in args else NOT_FOR_READING)


def test_agents_list_stays_light(appam_home: Path) -> None:
    folder = appam_home / "agents"
    folder.mkdir(parents=True)
    (folder / "poet.toml").write_text('model = "openai/poet"\n')
    run = run_appam("agents", "list")
    assert run.returncode == 0, run.stderr
    assert "poet" in run.stdout
    assert_light(run, NOT_FOR_READING + ("prompt_toolkit",))
    assert not [m for m in run.modules() if m.startswith(("appam_cli.providers", "appam_cli.store"))]
