"""Import guards for tools: `appam --help` never loads pydantic or the tools package, and
`appam tools list` never loads litellm or the schema code."""

from __future__ import annotations

import pytest
from import_report import PROVIDER, SCHEMA, assert_light, run_appam
from provider_server import Reply

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


# Everything of the tool machinery: a run without -T loads only the defaults (tools.limits).
TOOL_MODULES = ("appam_cli.tools.builtin", "appam_cli.tools.decorator", "appam_cli.tools.registry", "appam_cli.tools.mcp",
                "appam_cli.tools.spec", "appam_cli.tools.toolbox", "appam_cli.tools.approval",
                "appam_cli.agent.tool_runner", "appam_cli.agent.tool_calls")


def tool_modules(run) -> list[str]:
    return sorted(m for m in run.modules() if m.startswith(TOOL_MODULES))


def pydantic_modules(run) -> set[str]:
    return {m for m in run.modules() if m.split(".")[0] in ("pydantic", "pydantic_core")}


def test_run_without_tools_loads_no_tool_code(provider) -> None:
    """`appam run` without -T (the provider worker serving it, as by default) loads neither the
    built-ins, the registry nor MCP, and no more of pydantic than typer itself loads for any
    command (`sessions list`); with -T it does load the tools (so this test can fail)."""
    args = ("run", "hello", "-m", "openai/test-model", "--api-base", provider.url, "--raw")
    plain = run_appam(*args)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == "echo: hello\n"
    assert_light(plain, ("mcp",))
    assert tool_modules(plain) == []
    assert pydantic_modules(plain) <= pydantic_modules(run_appam("sessions", "list"))

    provider.enqueue(Reply(tool_calls=[{"name": "read_file", "arguments": {"path": "nothing-here.txt"}}]), Reply("ok"))
    with_tools = run_appam(*args, "-T", "read_file")
    assert with_tools.returncode == 0, with_tools.stderr
    assert "appam_cli.tools.builtin" in tool_modules(with_tools)
