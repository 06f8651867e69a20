"""Which named agent answers a turn of ``run``, ``continue`` or the chat, and what it sets.

``--agent NAME`` names one (its file must exist: agents/NAME.toml). Without it, a new session
has no named agent (``default``), and continuing a session goes on with the agent that answered
it, read from its file as it is today. When that file no longer exists the turn is answered with
the default settings (config.toml, APPAM_*), the session keeps its agent's name, and the user is
told so in one line; ``--agent NAME`` picks another, ``--agent default`` none.

Precedence, for every value: flag > agent file > APPAM_* > config.toml > default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from appam_cli.agent_files import DEFAULT_AGENT, AgentFile, agent_path, load_agent
from appam_cli.errors import UserError

if TYPE_CHECKING:
    from appam_cli.config import Settings


@dataclass(frozen=True)
class AgentTooling:
    """What an agent file asks of the tool loop (None: not set in the file; flags come over it)."""

    tools: tuple[str, ...] | None = None  # names as -T takes them
    mcp: tuple[str, ...] | None = None  # [mcp.servers.NAME] in config.toml
    max_steps: int | None = None


@dataclass(frozen=True)
class NamedAgent:
    """The agent of a turn: its name (saved as Session.agent_name and on each ledger row) and its file."""

    name: str = DEFAULT_AGENT
    file: AgentFile | None = None
    named: bool = False  # named by --agent (not taken over from the session)
    system: str | None = None  # the file's system prompt, read when it was chosen

    @property
    def model(self) -> str | None:
        """The model that goes over a continued session's own: only an agent named by --agent brings
        its model to a session (an agent taken over from the session keeps the session's model, as
        ``continue`` always does)."""
        return self.file.model if self.file is not None and self.named else None

    def over(self, settings: Settings) -> Settings:
        """``settings`` (config.toml, then APPAM_*) with this agent's values over them; flags go on top."""
        if self.file is None:
            return settings
        system = self.system if self.system is not None else settings.system
        return replace(settings, request=settings.request.merged(**self.file.request_options()), system=system)


def choose_agent(flag: str | None, session_agent: str | None = None, *, warn: Callable[[str], None]) -> NamedAgent:
    """The agent for a turn: ``--agent`` (``flag``), else the continued session's (``session_agent``).

    UserError (exit 1) for an --agent whose file is missing or invalid, with the agents there are."""
    if flag is not None:
        if flag.strip() == DEFAULT_AGENT:
            return NamedAgent(named=True)
        return _with_file(load_agent(flag.strip()), named=True)
    if not session_agent or session_agent == DEFAULT_AGENT:
        return NamedAgent()
    try:
        path: Path | None = agent_path(session_agent)
    except UserError:  # a name no agent file can have (an imported session's): nothing to read
        path = None
    if path is None or not path.is_file():
        where = f" ({path} no longer exists)" if path is not None else ""
        warn(
            f"this session's agent {session_agent!r} has no file{where}: answering with the default settings; "
            "--agent NAME picks an agent"
        )
        return NamedAgent(name=session_agent)
    return _with_file(load_agent(session_agent), named=False)


def _with_file(file: AgentFile, *, named: bool) -> NamedAgent:
    if file.model:
        from appam_cli.agent.model_route import route_model
        from appam_cli.config import load_settings

        try:
            route_model(load_settings(), file.model)  # an alias or a profile's model is fine; a typo names the file
        except UserError as exc:
            raise UserError(f"{exc.message} (the model of agent {file.name}, {file.path})") from None
    return NamedAgent(name=file.name, file=file, named=named, system=file.system_prompt())


def agent_tooling(agent: NamedAgent) -> AgentTooling:
    """The tools, MCP servers and step limit the turn's agent file asks for: the one place
    ``run``, ``continue`` and the chat read them (ToolOptions.with_agent, under the flags)."""
    if agent.file is None:
        return AgentTooling()
    return AgentTooling(tools=agent.file.tools, mcp=agent.file.mcp, max_steps=agent.file.max_steps)
