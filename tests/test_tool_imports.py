"""Import guards for tools: `appam --help` never loads pydantic or the tools package, and
`appam tools list` never loads litellm or the schema code."""

from __future__ import annotations

import pytest
from import_report import PROVIDER, SCHEMA, assert_light, run_appam

pytestmark = pytest.mark.e2e  # every test runs `appam` as a process


def test_help_loads_neither_pydantic_nor_the_tools() -> None:
    run = run_appam("--help")
    assert run.returncode == 0, run.stderr
    assert_light(run, ("pydantic", "pydantic_core"))
    assert not [m for m in run.modules() if m.startswith("appam_cli.tools")]


def test_tools_list_never_imports_litellm() -> None:
    run = run_appam("tools", "list")
    assert run.returncode == 0, run.stderr
    assert "run_shell" in run.stdout
    assert_light(run, PROVIDER + SCHEMA + ("prompt_toolkit",))
