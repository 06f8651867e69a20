"""``appam tools list``: the tools ``-T`` can enable, with source, side effects and description."""

from __future__ import annotations

from pathlib import Path

import typer

from appam_cli.cli.errors import handle_errors

tools_app = typer.Typer(
    help="The tools a model can be given with -T: built-ins, your own and your MCP servers'.", no_args_is_help=True
)


@tools_app.command("list")
@handle_errors
def tools_list(
    tools_file: list[Path] | None = typer.Option(
        None, "--tools-file", help="Also list the @tool functions of this Python file (repeatable)."
    ),
    json_output: bool = typer.Option(False, "--json", help="A JSON array, one object per tool, with its schema."),
) -> None:
    """Every tool: name, source, whether it has side effects (asked before it runs), description.
    The configured MCP servers are started to list their tools, then stopped."""
    import json
    import sys

    from appam_cli.config import load_settings
    from appam_cli.render.environment import environment
    from appam_cli.tools.approval import matches
    from appam_cli.tools.registry import list_tools

    settings = load_settings()
    specs = list_tools(
        tools_file or [], mcp_servers=settings.mcp_servers, warn=environment().warn, log_dir=settings.data_dir
    )
    rows = [
        {
            "name": spec.name,
            "source": spec.source,
            "side_effects": spec.side_effects,
            # runs without asking: [tools] auto_approve in config.toml names it (or its MCP server)
            "auto_approved": spec.side_effects and any(matches(e, spec.name) for e in settings.tools_auto_approve),
            "description": spec.description,
        }
        for spec in specs
    ]
    if json_output:
        for row, spec in zip(rows, specs, strict=True):
            row["parameters"] = spec.parameters
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from appam_cli.render.tool_list import print_tools

    print_tools(rows)
