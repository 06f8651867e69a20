"""Start the MCP servers a run uses and give back their tools as ToolSpecs.

A tool ``list_issues`` of the server ``github`` is ``github.list_issues`` to users (``-T``,
``auto_approve``, ``appam tools list``) and ``github__list_issues`` on the wire (ToolSpec.wire_name);
the Toolbox maps the wire name back. A tool annotated ``readOnlyHint: true`` has no side effects;
any other (no annotation included) may have some, so its calls need approval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from appam_cli.tools.mcp.config import McpServerConfig
from appam_cli.tools.mcp.hub import Connection, Hub, printable
from appam_cli.tools.mcp.results import parameters, result_text, validator
from appam_cli.tools.spec import ToolContext, ToolError, ToolSpec

# What MCP allows in a tool's name (the spec: 1-128 of A-Z a-z 0-9 _ - .; '/' is seen in the wild).
# Anything else (spaces, brackets, control characters) is refused: the name is shown and typed.
TOOL_NAME = re.compile(r"^[A-Za-z0-9_./-]{1,128}$")


def call_timeout(configured: float | None, run_timeout: float) -> float:
    """How long a call waits for the server: its ``timeout`` if set, never past the run's tool
    timeout, and ending a little before it, so that the server is declared down (one line) while
    the loop still waits for the call."""
    within = run_timeout - min(1.0, run_timeout * 0.1)
    return min(configured, within) if configured else within


def _run(connection: Connection, tool: str, arguments: dict[str, Any], context: ToolContext) -> str:
    timeout = call_timeout(connection.config.timeout, context.timeout)
    result = connection.call(tool, arguments, timeout)
    text = result_text(result)
    if result.is_error:
        raise ToolError(text or f"{tool} failed")
    return text


def tool_spec(connection: Connection, tool: Any) -> ToolSpec:
    annotations = getattr(tool, "annotations", None)
    read_only = annotations is not None and annotations.read_only_hint is True
    description = tool.description or getattr(tool, "title", None) or (annotations and annotations.title) or ""
    return ToolSpec(
        name=f"{connection.name}.{tool.name}",
        description=description,
        parameters=parameters(tool.input_schema),
        side_effects=not read_only,
        source=f"mcp: {connection.name}",
        run=partial(_run, connection, tool.name),
        validate=validator(tool.input_schema),
        available=lambda: connection.running,
    )


class McpServers:
    """The MCP servers of one run: the tools of those that started, and ``close()`` for its end
    (give it to ``Toolbox.on_close``)."""

    def __init__(self, configs: dict[str, McpServerConfig], warn: Callable[[str], None], log_dir: Path | None):
        self.configs = configs
        self._warn = warn
        self._hub = Hub(warn, log_dir)
        self._specs: dict[str, list[ToolSpec]] = {}

    def start(self, names: Iterable[str]) -> None:
        """Start these servers (those not started yet), in parallel; a failure is one warning line."""
        wanted = [self.configs[name] for name in dict.fromkeys(names) if name not in self._hub.connections]
        for name, connection in self._hub.start(wanted).items():
            if name not in self._specs:
                self._specs[name] = self._server_specs(connection)

    def _server_specs(self, connection: Connection) -> list[ToolSpec]:
        specs: list[ToolSpec] = []
        seen: dict[str, str] = {}
        odd = [tool.name for tool in connection.tools if not TOOL_NAME.fullmatch(tool.name)]
        if odd:
            self._warn(
                f"MCP server {connection.name!r}: {len(odd)} tool{'s' if len(odd) > 1 else ''} skipped, their names "
                f"are not made of letters, digits, '_', '-', '.' and '/' (as MCP asks): "
                + ", ".join(repr(printable(name)[:40]) for name in odd[:3])
                + (", …" if len(odd) > 3 else "")
            )
        for tool in connection.tools:
            if not TOOL_NAME.fullmatch(tool.name):
                continue
            spec = tool_spec(connection, tool)
            other = seen.get(spec.wire_name)
            if other is not None:
                self._warn(
                    f"MCP server {connection.name!r}: tool {printable(tool.name)!r} skipped, its name is sent to "
                    f"the model as {spec.wire_name!r} like {printable(other)!r}"
                )
                continue
            seen[spec.wire_name] = tool.name
            specs.append(spec)
        return specs

    def failure(self, name: str) -> str | None:
        """Why the server did not start (None: it runs, or was not asked to start)."""
        connection = self._hub.connections.get(name)
        return connection.failure if connection is not None else None

    def specs(self, name: str) -> list[ToolSpec]:
        """The tools of a started server (empty when it failed)."""
        return list(self._specs.get(name, []))

    def find(self, server: str, tool: str) -> ToolSpec | None:
        for spec in self._specs.get(server, []):
            if spec.name == f"{server}.{tool}":
                return spec
        return None

    def close(self) -> None:
        self._hub.close()
