"""Named agents: ``agents/NAME.toml`` in the config dir (``APPAM_HOME/agents`` when that is set).

An agent file keeps a model, a system prompt (``system``, or ``system_file`` relative to the
TOML), request options (``temperature``, ``max_tokens``, ``reasoning_effort``: the same keys, and
the same checks, as ``config.toml``: config.py), the tools and MCP servers it may use and its
step limit (``tools``, ``mcp``, ``max_steps``: read here, run by the tool loop). This is also how
users keep "roles" or templates. A wrong file is one line naming the file and the line, exit 1.

Cheap to import (tomllib, no pydantic): ``appam agents list`` and ``run --agent`` read it; the
``--help`` and ``sessions`` paths never do.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appam_cli import config
from appam_cli.errors import UserError

DEFAULT_AGENT = "default"  # Session.agent_name when no named agent ran it; not a file name
KEYS = (
    "name", "description", "model", "system", "system_file", "temperature", "max_tokens", "reasoning_effort",
    "tools", "mcp", "max_steps",
)
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_TOOL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class AgentFile:
    """One parsed, checked ``agents/NAME.toml`` (None: the key is not in the file)."""

    name: str
    path: Path
    description: str | None = None
    model: str | None = None
    system: str | None = None  # inline text ("" is no system prompt)
    system_file: Path | None = None  # absolute; read by system_prompt()
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    # For the tool loop: tool names as -T takes them, MCP server names ([mcp.servers.NAME] in
    # config.toml), the step limit. Checked for type here; what they name is checked where they run.
    tools: tuple[str, ...] | None = None
    mcp: tuple[str, ...] | None = None
    max_steps: int | None = None

    def system_prompt(self) -> str | None:
        """The system prompt: ``system``, or the text of ``system_file`` (read now; UserError if it cannot be)."""
        if self.system_file is None:
            return self.system
        try:
            return self.system_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problem = f"not UTF-8 text (byte {exc.start})"
        except OSError as exc:
            problem = exc.strerror or str(exc)
        raise UserError(f"cannot read system_file {self.system_file} of agent {self.name} ({self.path}): {problem}")

    def request_options(self) -> dict[str, Any]:
        """The request options the file sets (RequestOptions field -> value)."""
        values = {
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "reasoning_effort": self.reasoning_effort,
        }
        return {key: value for key, value in values.items() if value is not None}


def agents_dir() -> Path:
    return config.config_dir() / "agents"


def check_name(name: str) -> str:
    """A name that is a safe file name: letters, digits, ``_ . -``; no ``/``, no ``..``, not ``default``."""
    if name == DEFAULT_AGENT:
        raise UserError(f"{DEFAULT_AGENT!r} is not an agent name: it stands for no named agent")
    if not _NAME.fullmatch(name) or ".." in name or name.endswith("."):
        raise UserError(
            f"invalid agent name {name!r}: use up to 64 letters, digits, '_', '-' or '.' (no '/' or '..')"
        )
    return name


def agent_path(name: str) -> Path:
    return agents_dir() / f"{check_name(name)}.toml"


def agent_names() -> list[str]:
    """The names of the agent files, sorted (files whose name is not an agent name are left out)."""
    try:
        entries = list(agents_dir().iterdir())
    except OSError:
        return []
    names = []
    for path in entries:
        if path.suffix == ".toml" and path.is_file() and _NAME.fullmatch(path.stem) and ".." not in path.stem:
            if path.stem != DEFAULT_AGENT:
                names.append(path.stem)
    return sorted(names)


def load_agent(name: str) -> AgentFile:
    """``agents/NAME.toml``, parsed and checked; a missing one is a UserError naming the ones there are."""
    path = agent_path(name)
    if not path.is_file():
        raise UserError(missing_message(name, path))
    return read_agent(path)


def missing_message(name: str, path: Path) -> str:
    names = agent_names()
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    if names:
        return f"no agent {name!r} (no file {path}){hint} (agents: {', '.join(names)})"
    return f"no agent {name!r} (no file {path}); there are no agents yet: appam agents new {name} creates one"


def read_agent(path: Path) -> AgentFile:
    """Parse and check one agent file; its name is the file's name."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"invalid agent file {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read agent file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message has the line: "Invalid value (at line 3, column 9)"
        raise UserError(f"invalid agent file {path}: {exc}") from None
    return _checked(path, text, data)


def _checked(path: Path, text: str, data: dict[str, Any]) -> AgentFile:
    def where(key: str) -> str:
        line = key_line(text, key)
        return f"{path} line {line}" if line else str(path)

    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(KEYS)}"
            raise UserError(f"invalid agent file {where(key)}: unknown key {key!r} ({hint})")
    name = path.stem
    if "name" in data and data["name"] != name:
        raise UserError(
            f"invalid agent file {where('name')}: name {data['name']!r} is not the file's name {name!r} "
            "(the file name is the agent's name; rename the file or remove the key)"
        )
    if "system" in data and "system_file" in data:
        raise UserError(f"invalid agent file {where('system_file')}: give system or system_file, not both")
    values: dict[str, Any] = {}
    checks: dict[str, Callable[[Any, str, str], Any]] = {
        "description": _description,
        "model": config.check_model,
        "system": config.check_system,
        "temperature": config.check_temperature,
        "max_tokens": config.check_max_tokens,
        "reasoning_effort": config.check_reasoning_effort,
        "max_steps": config.check_max_steps,
        "tools": _names_of("tool", '["read_file"]'),
        "mcp": _names_of("MCP server", '["github"]'),
    }
    for key, check in checks.items():
        if key in data:
            values[key] = check(data[key], key, where(key))
    if "system_file" in data:
        values["system_file"] = _system_file(data["system_file"], where("system_file"), path.parent)
    return AgentFile(name=name, path=path, **values)


def key_line(text: str, key: str) -> int | None:
    """The line (from 1) where the top-level ``key`` is set: ``key = …``, ``"key" = …``, ``key.x = …``
    or a ``[key]`` table (tomllib's values carry no positions)."""
    quoted = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    assign = re.compile(rf"^\s*{quoted}\s*[=.]")
    header = re.compile(rf"^\s*\[\[?\s*{quoted}\s*[\].]")
    in_table = False  # keys under a [table] header are not top-level
    for number, line in enumerate(text.splitlines(), 1):
        if header.match(line) or (not in_table and assign.match(line)):
            return number
        in_table = in_table or line.lstrip().startswith("[")
    return None


def _description(value: Any, key: str, source: str) -> str:
    if not isinstance(value, str):
        raise UserError(f"invalid value for {key} in {source}: {value!r} is not a string")
    return value


def _names_of(what: str, example: str) -> Callable[[Any, str, str], tuple[str, ...]]:
    def check(value: Any, key: str, source: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise UserError(f"invalid value for {key} in {source}: give a list of {what} names, e.g. {key} = {example}")
        for item in value:
            if not isinstance(item, str) or not _TOOL_NAME.fullmatch(item):
                raise UserError(f"invalid value for {key} in {source}: {item!r} is not a {what} name")
        return tuple(value)

    return check


def _system_file(value: Any, source: str, folder: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"invalid value for system_file in {source}: {value!r} is not a file path")
    file = Path(value).expanduser()
    return file if file.is_absolute() else folder / file


# -- appam agents new ------------------------------------------------------------------------------

TEMPLATE = """\
# The agent {name}: `appam run --agent {name} "..."`, `appam chat --agent {name}`.
# Every key is optional; a key left out falls back to APPAM_* variables, then config.toml.
# Precedence: command-line flag > this file > APPAM_* > config.toml > default.

description = {description}
{model}
# The system prompt a new session starts with; or system_file = "{name}.md" (relative to this file).
{system}

# temperature = 0.2              # 0 to 2
# max_tokens = 4096              # cap on each answer's tokens
# reasoning_effort = "medium"    # {efforts}

# For the tool loop: tool names as -T takes them, MCP servers from [mcp.servers.NAME] in config.toml.
# tools = ["read_file"]
# mcp = []
# max_steps = 10
"""


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def create_agent(name: str, *, description: str | None, model: str | None, system: str | None) -> Path:
    """Write a commented ``agents/NAME.toml``; never over an existing file (UserError)."""
    path = agent_path(name)
    if model is not None:
        config.check_model(model, "--model", "the command line")
    text = TEMPLATE.format(
        name=name,
        description=_toml_string(description if description is not None else f"What {name} is for"),
        model=f"model = {_toml_string(model)}" if model else '# model = "gpt-4o-mini"',
        system=f"system = {_toml_string(system)}" if system is not None else '# system = "You are a careful reviewer."',
        efforts=", ".join(config.REASONING_EFFORTS),
    )
    _checked(path, text, tomllib.loads(text))  # what is written reads back
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where the folder should be, a read-only config dir
        raise UserError(f"cannot create the agents folder {path.parent}: {exc.strerror}") from None
    try:
        fh = path.open("x", encoding="utf-8")  # "x": never over a file that is there
    except FileExistsError:
        raise UserError(f"agent file {path} already exists; edit it, or remove it first") from None
    except OSError as exc:
        raise UserError(f"cannot write agent file {path}: {exc.strerror}") from None
    try:
        with fh:
            fh.write(text)
    except OSError as exc:  # a full disk: no half-written agent left behind
        path.unlink(missing_ok=True)
        raise UserError(f"cannot write agent file {path}: {exc.strerror}") from None
    return path
