"""``[mcp.servers.NAME]`` in config.toml, read into plain dataclasses (no pydantic, no SDK).

A server is started by ``command`` (with ``args`` and ``env``; spoken to over stdio) or reached at
``url`` (streamable HTTP, with ``headers``); one of the two, never both. Values of ``env`` and
``headers`` may name environment variables as ``${NAME}``: they are read when the server starts,
so a token stays in the environment and never in the config file (``$$`` is a literal ``$``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from appam_cli.errors import UserError

# A server's name is the first part of its tools' names (``github.list_issues``, ``-T github``) and of
# the names providers are sent (``github__list_issues``): letters, digits, ``_`` and ``-``, a letter
# first, no ``__`` (it separates the server from the tool on the wire).
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
SERVER_KEYS = ("command", "args", "env", "url", "headers", "timeout", "startup_timeout")
DEFAULT_STARTUP_TIMEOUT = 30.0
_VARIABLE = re.compile(r"\$\$|\$\{([^}]*)\}|\$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    command: str | None = None  # stdio: the program and its arguments
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)  # added to the server's environment; ${VAR} expanded
    url: str | None = None  # streamable HTTP
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request; ${VAR} expanded
    timeout: float | None = None  # seconds a call may take (None: the run's tool timeout)
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT  # seconds to start and list its tools

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    @property
    def target(self) -> str:
        """What it runs or reaches, for `appam tools list` and failure lines (no env, no headers)."""
        if self.url:
            return self.url
        return " ".join([self.command or "", *self.args])


class MissingVariable(Exception):
    def __init__(self, variable: str) -> None:
        super().__init__(variable)
        self.variable = variable


def variables(value: str, where: str) -> list[str]:
    """The ``${NAME}`` variables ``value`` names; a config error for a ``$`` that starts none."""
    names = []
    for match in _VARIABLE.finditer(value):
        text = match.group(0)
        if text == "$$":
            continue
        name = match.group(1)
        if text == "$" or name is None or not _VARIABLE_NAME.fullmatch(name):
            raise UserError(
                f"{where}: {value!r} has a '$' that names no variable (write ${{NAME}} for a variable, $$ for a '$')"
            )
        names.append(name)
    return names


def expand(value: str, environ: dict[str, str] | None = None) -> str:
    """``value`` with each ``${NAME}`` replaced by the variable's value; MissingVariable if it is unset."""
    env = os.environ if environ is None else environ

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name is None or name not in env:
            raise MissingVariable(name or "")
        return env[name]

    return _VARIABLE.sub(one, value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UserError(f"{where}: must be a list of strings, e.g. [\"--port\", \"8080\"]")
    return tuple(value)


def _table(value: Any, where: str, example: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise UserError(f"{where}: must be a table of strings, e.g. {example}")
    for key, item in value.items():
        if not isinstance(item, str):
            raise UserError(f"{where}.{key}: {item!r} is not a string")
        variables(item, f"{where}.{key}")
    return dict(value)


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise UserError(f"{where}: {value!r} is not a number of seconds more than 0")
    return float(value)


def _url(value: Any, where: str) -> str:
    from urllib.parse import urlsplit

    if isinstance(value, str):
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and value.strip() == value
        except ValueError:
            ok = False
        if ok and " " not in value:
            return value
    raise UserError(f"{where}: {value!r} is not an http(s) URL (e.g. http://localhost:8000/mcp)")


def _server(name: str, table: Any, source: str) -> McpServerConfig:
    where = f"invalid config file {source}: mcp.servers.{name}"
    if not NAME.fullmatch(name) or "__" in name:
        raise UserError(
            f"invalid config file {source}: MCP server name {name!r} must start with a letter and hold only "
            "letters, digits, '_' and '-' (no '__'), at most 32 characters: it is used as -T NAME.tool"
        )
    if not isinstance(table, dict):
        raise UserError(f"{where}: must be a table with command = \"...\" or url = \"...\"")
    unknown = sorted(set(table) - set(SERVER_KEYS))
    if unknown:
        raise UserError(f"{where}: unknown key {unknown[0]!r} (use {', '.join(SERVER_KEYS)})")
    if ("command" in table) == ("url" in table):
        both = "both command and url" if "command" in table else "neither command nor url"
        raise UserError(f"{where}: has {both}; give command (a program spoken to over stdio) or url (HTTP)")
    timeout = _seconds(table["timeout"], f"{where}.timeout") if "timeout" in table else None
    startup = table.get("startup_timeout", DEFAULT_STARTUP_TIMEOUT)
    startup = _seconds(startup, f"{where}.startup_timeout")
    if "url" in table:
        for key in ("args", "env"):
            if key in table:
                raise UserError(f"{where}.{key}: is for a server started by command, not one reached at a url")
        example = 'headers = { Authorization = "Bearer ${TOKEN}" }'
        headers = _table(table.get("headers", {}), f"{where}.headers", example)
        return McpServerConfig(
            name, url=_url(table["url"], f"{where}.url"), headers=headers, timeout=timeout, startup_timeout=startup
        )
    if "headers" in table:
        raise UserError(f"{where}.headers: is for a server reached at a url, not one started by command")
    command = table["command"]
    if not isinstance(command, str) or not command.strip():
        raise UserError(f"{where}.command: {command!r} is not a program name or path")
    return McpServerConfig(
        name,
        command=command,
        args=_strings(table.get("args", []), f"{where}.args"),
        env=_table(table.get("env", {}), f"{where}.env", 'env = { API_TOKEN = "${API_TOKEN}" }'),
        timeout=timeout,
        startup_timeout=startup,
    )


def parse_mcp(table: Any, source: str) -> dict[str, McpServerConfig]:
    """The ``[mcp]`` table of config.toml: ``[mcp.servers.NAME]`` tables, by name."""
    if not isinstance(table, dict):
        raise UserError(f"invalid config file {source}: mcp must be a table holding [mcp.servers.NAME] tables")
    unknown = sorted(set(table) - {"servers"})
    if unknown:
        raise UserError(f"invalid config file {source}: unknown key mcp.{unknown[0]} (use [mcp.servers.NAME])")
    servers = table.get("servers", {})
    if not isinstance(servers, dict):
        raise UserError(f"invalid config file {source}: mcp.servers must hold [mcp.servers.NAME] tables")
    return {str(name): _server(str(name), value, source) for name, value in servers.items()}
