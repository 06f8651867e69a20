"""appam: a command-line chat tool for LLMs with a local session store.

The public Python API is imported lazily, so ``appam --help`` stays fast::

    from appam_cli import Agent, SessionHistory
    agent = Agent.quick("gpt-4o-mini", "You are terse.")
    agent.history = SessionHistory(db_path="sessions.db")
    session = agent.run("Hello!")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "appam_cli.agent",
    "StreamBuilder": "appam_cli.agent",
    "Session": "appam_cli.datamodel",
    "ChatMessage": "appam_cli.datamodel",
    "AggregatedUsage": "appam_cli.datamodel",
    "SessionHistory": "appam_cli.store",
    "tool": "appam_cli.tools.decorator",
    "as_tool_spec": "appam_cli.tools.decorator",
    "ToolContext": "appam_cli.tools.spec",
    "ToolError": "appam_cli.tools.spec",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'appam_cli' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
