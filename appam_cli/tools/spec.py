"""The contract between a tool and the loop that calls it.

A tool is declared once as a ToolSpec. The loop (agent/) parses the model's arguments,
asks the Approver when the tool has side effects, runs ``spec.run(arguments, context)``
and sends the text it returns back to the model as the ``tool`` message. A ToolError is an
error result the model is told about (the loop goes on); any other exception is one too,
named by its type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from appam_cli.tools.limits import DEFAULT_OUTPUT_LIMIT, DEFAULT_TOOL_TIMEOUT

# What every provider accepts as a function name (OpenAI: ^[a-zA-Z0-9_-]{1,64}$).
_WIRE_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
WIRE_NAME_LIMIT = 64


def wire_name(name: str) -> str:
    """The name a provider is sent for a tool users call ``name``: ``github.list_issues`` ->
    ``github__list_issues``; other characters providers refuse become ``_``."""
    return _WIRE_UNSAFE.sub("_", name.replace(".", "__"))[:WIRE_NAME_LIMIT]


class ToolError(Exception):
    """A failure the model is told about as the call's result (bad path, command failed to start...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ToolContext:
    """Where and how a call runs: the folder file tools work in, the folders also allowed
    (``--allow-path``), the time a call may take, and how much of its output the model gets."""

    cwd: Path
    allowed_paths: tuple[Path, ...] = ()
    timeout: float = DEFAULT_TOOL_TIMEOUT
    output_limit: int = DEFAULT_OUTPUT_LIMIT


@dataclass(frozen=True)
class ToolSpec:
    name: str  # what users type and read: "read_file", "github.list_issues"
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments (type "object")
    side_effects: bool  # True: a call runs only when approved
    source: str  # where it comes from, for `appam tools list`: "built-in", "tools.py", "mcp: github"
    run: Callable[[dict[str, Any], ToolContext], str] = field(compare=False, repr=False)
    # Checks the arguments before the call (raises ToolError naming what is wrong); None: the JSON
    # schema's required keys and basic types only.
    validate: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False, repr=False)
    # Whether the tool can be called now (an MCP server that died: False, and the tool is no longer
    # offered to the model); None: always.
    available: Callable[[], bool] | None = field(default=None, compare=False, repr=False)

    @property
    def wire_name(self) -> str:
        return wire_name(self.name)

    def provider_tool(self) -> dict[str, Any]:
        """The tool as the OpenAI chat API (and litellm, for every provider) takes it."""
        return {
            "type": "function",
            "function": {"name": self.wire_name, "description": self.description, "parameters": self.parameters},
        }


class OutcomeStatus(StrEnum):
    OK = "ok"
    ERROR = "error"  # the tool raised, or the arguments were not valid
    TIMEOUT = "timeout"
    DENIED = "denied"  # not approved; the model is told (and why, when the user said)
    UNAVAILABLE = "unavailable"  # unknown tool, or its MCP server is not running


@dataclass
class ToolOutcome:
    """One call, as it ended: what the model is sent (``content``) and what the screen shows."""

    call_id: str
    name: str  # the user-facing name
    arguments: str  # as the model sent them (JSON text)
    content: str
    status: OutcomeStatus = OutcomeStatus.OK
    duration_ms: int = 0

    @property
    def is_error(self) -> bool:
        return self.status is not OutcomeStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "name": self.name,
            "arguments": self.arguments,
            "content": self.content,
            "status": str(self.status),
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class Decision:
    approved: bool
    reason: str | None = None  # the user's words for the model, on a denial ([e]xplain)
    always: bool = False  # approved for the rest of the session


class Approver(Protocol):
    """Decides whether a side-effecting call runs (tools/approval.py holds the policy; the
    asking on a terminal is given to it by cli/ or repl/)."""

    def decide(self, spec: ToolSpec, arguments: dict[str, Any]) -> Decision: ...


class ToolUnavailable(ToolError):
    """The tool cannot be reached (its MCP server failed to start, died or timed out): the model is
    told the tool is unavailable and the run goes on without it."""
