"""From the names a command was given (``-T NAME``, ``--tools-file FILE``) to the Toolbox of a run.

A name is, in this order: a built-in (``read_file``), a tool of a ``--tools-file`` (its
``@tool`` functions), or an MCP server (``-T github``: all its tools) or one of its tools
(``-T github.list_issues``), whose servers are started when a run names them. A tools file's tools are all enabled
unless some ``-T`` names one of them; then only the named ones are. An unknown name, a bad
file, or two tools of one name is one UserError line.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from appam_cli.errors import UserError
from appam_cli.tools.builtin import BUILTIN_NAMES, builtin_spec
from appam_cli.tools.spec import ToolSpec
from appam_cli.tools.toolbox import Toolbox

_loaded = 0  # tools files loaded by this process, for unique module names


def load_tools_file(path: str | Path) -> list[ToolSpec]:
    """The ``@tool`` functions of a Python file, as ToolSpecs whose source is the file's name.

    The file runs as a module (its folder on ``sys.path`` while it loads, so it can import what
    lies beside it). Any failure is one UserError naming the file."""
    import importlib.util

    global _loaded
    shown = str(path)
    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"tools file {shown}: {'is a folder' if file.is_dir() else 'no such file'}")
    _loaded += 1
    module_name = f"appam_tools_file_{_loaded}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UserError(f"tools file {shown}: not a Python file (give a .py file)")
    module = importlib.util.module_from_spec(spec)
    folder = str(file.resolve().parent)
    sys.modules[module_name] = module
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise UserError(f"tools file {shown}: syntax error on line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # whatever the file raised (a bad @tool signature is a ValueError)
        sys.modules.pop(module_name, None)
        raise UserError(f"tools file {shown}: {type(exc).__name__}: {exc}") from None
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
    from appam_cli.tools.decorator import declared_spec

    specs: dict[str, ToolSpec] = {}
    for value in vars(module).values():
        found = declared_spec(value)
        if found is not None and found.name not in specs:
            specs[found.name] = replace(found, source=file.name)
    if not specs:
        raise UserError(f"tools file {shown}: no @tool functions (decorate each tool with @tool from appam_cli)")
    return list(specs.values())


def _file_tools(tools_files: Sequence[str | Path]) -> list[tuple[str, ToolSpec]]:
    """(file as given, spec) for every tool of every file; a name used twice is refused."""
    found: list[tuple[str, ToolSpec]] = []
    seen: dict[str, str] = {}
    for path in tools_files:
        for spec in load_tools_file(path):
            if spec.name in BUILTIN_NAMES:
                raise UserError(
                    f"tools file {path}: tool {spec.name!r} has the name of a built-in; "
                    "give it another with @tool(name=...)"
                )
            if spec.name in seen:
                raise UserError(f"tools file {path}: tool {spec.name!r} is also defined in {seen[spec.name]}")
            seen[spec.name] = str(path)
            found.append((str(path), spec))
    return found


def _stderr_line(text: str) -> None:
    sys.stderr.write(f"appam: {text}\n")
    sys.stderr.flush()


def _mcp_server_of(name: str, mcp_servers: Mapping[str, Any]) -> str | None:
    """The configured MCP server ``-T name`` names (``github`` or ``github.list_issues``), if any."""
    server = name.split(".", 1)[0]
    return server if server in mcp_servers else None


def _mcp_tools(name: str, servers: Any) -> list[ToolSpec]:
    """The tools ``-T name`` means: all of a server's (``github``) or one (``github.list_issues``).
    Nothing when the server did not start (its warning line said so; the run goes on without it);
    a UserError with close matches for a tool the running server does not have."""
    server, _, tool = name.partition(".")
    if servers.failure(server) is not None:
        return []
    specs = servers.specs(server)
    if not tool:
        return specs
    spec = servers.find(server, tool)
    if spec is None:
        available = [s.name for s in specs]
        close = difflib.get_close_matches(name, available, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UserError(
            f"unknown tool {name!r}: MCP server {server!r} has no tool {tool!r}; {hint}"
            f"its tools: {', '.join(available) or 'none'}"
        )
    return [spec]


def start_mcp_servers(
    names: Sequence[str],
    mcp_servers: Mapping[str, Any],
    toolbox: Toolbox,
    warn: Callable[[str], None] | None,
    log_dir: Path | None,
) -> Any:
    """Start (in parallel) the configured MCP servers these names use; their shutdown is the
    toolbox's ``on_close``. The started servers (``tools.mcp.servers.McpServers``)."""
    from appam_cli.tools.mcp.servers import McpServers

    servers = McpServers(dict(mcp_servers), warn or _stderr_line, log_dir)
    toolbox.on_close(servers.close)
    servers.start(names)
    return servers


def mcp_names(mcp_servers: Mapping[str, Any] | None) -> list[str]:
    """The configured MCP servers' names, for the list of what ``-T`` accepts."""
    return sorted(mcp_servers or ())


def _unknown(name: str, available: list[str]) -> UserError:
    close = difflib.get_close_matches(name, available, n=3, cutoff=0.8)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return UserError(
        f"unknown tool {name!r}: {hint}available: {', '.join(available)} "
        "(see `appam tools list`; --tools-file FILE adds a file's @tool functions)"
    )


def build_toolbox(
    names: Sequence[str] = (),
    tools_files: Sequence[str | Path] = (),
    *,
    mcp_servers: Mapping[str, Any] | None = None,
    warn: Callable[[str], None] | None = None,
    log_dir: Path | None = None,
) -> Toolbox:
    """The tools a run enables: each ``-T`` name (built-in, file tool, MCP server or server.tool),
    and every tool of a tools file none of whose tools was named. The MCP servers named are
    started (together, once every name is known to be valid); one that fails is a ``warn`` line
    (default: stderr) and the run goes on without it. ``log_dir``: where servers' stderr is kept."""
    file_tools = _file_tools(tools_files)
    by_name = {spec.name: spec for _, spec in file_tools}
    mcp_servers = mcp_servers or {}
    ordered = list(dict.fromkeys(names))  # in order, each once
    servers_used: list[str] = []
    for name in ordered:
        if name in BUILTIN_NAMES or name in by_name:
            continue
        server = _mcp_server_of(name, mcp_servers)
        if server is None:
            raise _unknown(name, [*BUILTIN_NAMES, *by_name, *mcp_names(mcp_servers)])
        servers_used.append(server)
    toolbox = Toolbox()
    try:
        servers = start_mcp_servers(servers_used, mcp_servers, toolbox, warn, log_dir) if servers_used else None
        named_files: set[str] = set()
        for name in ordered:
            if name in BUILTIN_NAMES:
                toolbox.add(builtin_spec(name))
            elif name in by_name:
                toolbox.add(by_name[name])
                named_files.update(path for path, spec in file_tools if spec.name == name)
            else:
                for spec in _mcp_tools(name, servers):
                    toolbox.add(spec)
        for path, spec in file_tools:
            if path not in named_files:
                toolbox.add(spec)
    except ValueError as exc:  # two tools with one name on the wire
        toolbox.close()
        raise UserError(str(exc)) from None
    except BaseException:
        toolbox.close()
        raise
    return toolbox


def list_tools(
    tools_files: Sequence[str | Path] = (),
    *,
    mcp_servers: Mapping[str, Any] | None = None,
    warn: Callable[[str], None] | None = None,
    log_dir: Path | None = None,
) -> list[ToolSpec]:
    """Every tool ``-T`` can enable: the built-ins, the files' tools, then the tools of every
    configured MCP server (started for this, in parallel, and shut down; one that fails is a
    ``warn`` line and the others are listed)."""
    specs = [builtin_spec(name) for name in BUILTIN_NAMES] + [spec for _, spec in _file_tools(tools_files)]
    if not mcp_servers:
        return specs
    toolbox = Toolbox()
    try:
        servers = start_mcp_servers(list(mcp_servers), mcp_servers, toolbox, warn, log_dir)
        for name in mcp_servers:
            specs.extend(servers.specs(name))
    finally:
        toolbox.close()
    return specs
