"""``appam agents list | show NAME | new NAME``: the named agents in agents/NAME.toml (agent_files.py)."""

from __future__ import annotations

import json
import os
from typing import Any

import typer

from appam_cli.cli import complete
from appam_cli.cli.errors import handle_errors

agents_app = typer.Typer(
    help="Named agents (agents/NAME.toml in the config dir): a model, a system prompt, options and tools.",
    no_args_is_help=True,
)

# What `show` lists, in order, with where each value may come from besides the file.
SHOWN = ("model", "system", "temperature", "max_tokens", "reasoning_effort", "tools", "mcp", "max_steps")
_FROM_SETTINGS = ("model", "system", "temperature", "max_tokens", "reasoning_effort")


@agents_app.command("list")
@handle_errors
def agents_list(json_output: bool = typer.Option(False, "--json", help="Print the agents as JSON.")) -> None:
    """Each agent's name, model and description; a file that does not read is one line on stderr (exit 1)."""
    from appam_cli.agent_files import agent_names, agent_path, agents_dir, read_agent
    from appam_cli.errors import UserError
    from appam_cli.render.environment import environment
    from appam_cli.render.safe_text import safe_text

    env = environment()
    agents, failed = [], False
    for name in agent_names():
        try:
            agents.append(read_agent(agent_path(name)))
        except UserError as exc:
            env.error(exc.message)
            failed = True
    if json_output:
        rows = [{"name": a.name, "description": a.description, "model": a.model, "path": str(a.path)} for a in agents]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not agents and not failed:
        typer.echo(f"no agents yet: appam agents new NAME creates one (in {agents_dir()})")
    else:
        width = max((len(a.name) for a in agents), default=0)
        model_width = max((len(a.model or "-") for a in agents), default=0)
        for a in agents:
            line = f"{a.name:<{width}}  {a.model or '-':<{model_width}}  {' '.join((a.description or '').split())}"
            typer.echo(safe_text(line.rstrip()))
    if failed:
        raise typer.Exit(1)


@agents_app.command("show")
@handle_errors
def agents_show(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's name (agents/NAME.toml)."),
    json_output: bool = typer.Option(False, "--json", help="Print the values, their sources and the file as JSON."),
) -> None:
    """The values the agent runs with (and where each comes from), then its file."""
    from appam_cli.agent_files import load_agent
    from appam_cli.config import load_settings
    from appam_cli.render.safe_text import safe_text

    agent = load_agent(name)
    values = effective_values(agent, load_settings())
    text = agent.path.read_text(encoding="utf-8")
    if json_output:
        data = {
            "name": agent.name,
            "path": str(agent.path),
            "description": agent.description,
            "values": {key: {"value": value, "source": source} for key, (value, source) in values.items()},
            "file": text,
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    rows = [("name", agent.name, ""), ("file", str(agent.path), ""), ("description", agent.description or "-", "")]
    rows += [(key, _shown(value), source) for key, (value, source) in values.items()]
    width = max(len(key) for key, _, _ in rows)
    for key, value, source in rows:
        line = f"{key:<{width}}  {value}" + (f"  ({source})" if source else "")
        typer.echo(safe_text(line))
    typer.echo(f"\n# {agent.path}")
    typer.echo(safe_text(text.rstrip("\n")))


def effective_values(agent, settings) -> dict[str, tuple[Any, str]]:
    """key -> (value, where it comes from): the agent file, an APPAM_* variable, config.toml or the default.
    (A command-line flag still goes over these.)"""
    system_source = "agent file"
    if agent.system_file is not None:
        system_source = f"agent file: system_file {agent.system_file}"
    from_file: dict[str, Any] = {
        "model": agent.model,
        "system": agent.system_prompt(),
        "temperature": agent.temperature,
        "max_tokens": agent.max_tokens,
        "reasoning_effort": agent.reasoning_effort,
        "tools": list(agent.tools) if agent.tools is not None else None,
        "mcp": list(agent.mcp) if agent.mcp is not None else None,
        "max_steps": agent.max_steps,
    }
    configured = {
        "model": settings.model,
        "system": settings.system,
        "temperature": settings.request.temperature,
        "max_tokens": settings.request.max_tokens,
        "reasoning_effort": settings.request.reasoning_effort,
    }
    values: dict[str, tuple[Any, str]] = {}
    for key in SHOWN:
        if from_file[key] is not None:
            values[key] = (from_file[key], system_source if key == "system" else "agent file")
        elif key in _FROM_SETTINGS and configured[key] is not None:
            variable = f"APPAM_{key.upper()}"
            values[key] = (configured[key], variable if os.environ.get(variable) else "config.toml")
        else:
            values[key] = (None, _DEFAULTS.get(key, "default"))
    return values


_DEFAULTS = {
    "model": "default: the first provider with an API key",
    "temperature": "default: the provider's",
    "max_tokens": "default: the provider's",
    "reasoning_effort": "default: the provider's",
    "tools": "default: none",
    "mcp": "default: none",
    "max_steps": "default: the tool loop's",
}


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(value) if value else "(none)"
    text = " ".join(str(value).split())
    if isinstance(value, str) and not text:
        return '""'
    return text if len(text) <= 100 else text[:99] + "…"


@agents_app.command("new")
@handle_errors
def agents_new(
    name: str = typer.Argument(..., metavar="NAME", help="The agent's name: letters, digits, '_', '-', '.'."),
    model: str | None = typer.Option(
        None, "--model", "-m", help="The agent's model [default: left commented out].", autocompletion=complete.models
    ),
    system: str | None = typer.Option(None, "--system", "-s", help="Its system prompt [default: left commented out]."),
    description: str | None = typer.Option(None, "--description", "-d", help="One line on what it is for."),
) -> None:
    """Create agents/NAME.toml with every key explained (never over an existing file)."""
    from appam_cli.agent_files import create_agent

    path = create_agent(name, description=description, model=model, system=system)
    typer.echo(f"created {path}; edit it, then: appam run --agent {name} \"...\"")
