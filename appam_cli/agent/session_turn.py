"""What ``run``, ``continue`` and the chat share for one turn: the Agent that answers it, under
the spending limit that applies now, and the turn streamed into whatever shows it.

The command line and the chat call these and only present the outcome; no rich, typer or
prompt_toolkit here. The view is handed in (``AnswerSink``): render/ makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from appam_cli.agent.agent import Agent
from appam_cli.agent.named import NamedAgent, agent_tooling
from appam_cli.agent.spending import Allowance
from appam_cli.errors import ProviderError, UserError
from appam_cli.tools.limits import DEFAULT_MAX_STEPS, DEFAULT_TOOL_TIMEOUT

if TYPE_CHECKING:
    from appam_cli.agent.store import SessionStore
    from appam_cli.config import Settings
    from appam_cli.datamodel import Session
    from appam_cli.datamodel.profile import ModelRoute
    from appam_cli.providers import ProviderBackend
    from appam_cli.tools.spec import Approver, Decision, ToolContext, ToolSpec
    from appam_cli.tools.toolbox import Toolbox


@dataclass
class ToolOptions:
    """The tools of a run as the command line asks for them (-T, --tools-file, --allow-path, --yes…)."""

    names: tuple[str, ...] = ()  # -T NAME, in order
    files: tuple[str, ...] = ()  # --tools-file PATH
    allow_paths: tuple[str, ...] = ()  # --allow-path DIR: folders file tools may use besides the current one
    approve_all: bool = False  # -y/--yes
    max_steps: int | None = None  # --max-steps: provider requests per turn (None: the agent's, else 10)
    timeout: float = DEFAULT_TOOL_TIMEOUT  # --tool-timeout: seconds per call
    verbose: bool = False  # --verbose: every argument and the whole result on screen
    agent_file: str | None = None  # the agent file some of the names come from (named in errors)
    agent_names: tuple[str, ...] = ()  # those names: its tools and MCP servers

    @property
    def wanted(self) -> bool:
        return bool(self.names or self.files)

    @property
    def step_limit(self) -> int:
        return self.max_steps if self.max_steps is not None else DEFAULT_MAX_STEPS

    def with_agent(self, agent: NamedAgent) -> ToolOptions:
        """These flags over what the turn's agent file asks for: its tools and MCP servers come
        before the -T names (both are enabled), its max_steps applies unless --max-steps is given."""
        tooling = agent_tooling(agent)
        names = tuple(dict.fromkeys((*(tooling.tools or ()), *(tooling.mcp or ()), *self.names)))
        steps = self.max_steps if self.max_steps is not None else tooling.max_steps
        own = (*(tooling.tools or ()), *(tooling.mcp or ()))
        where = str(agent.file.path) if agent.file is not None and own else None
        return replace(self, names=names, max_steps=steps, agent_file=where, agent_names=own)

    def context(self) -> ToolContext:
        """Where calls run: the current folder, and the --allow-path folders (UserError: not a folder)."""
        from appam_cli.tools.paths import allowed_folders
        from appam_cli.tools.spec import ToolContext

        return ToolContext(cwd=Path.cwd(), allowed_paths=allowed_folders(self.allow_paths), timeout=self.timeout)


def open_toolbox(
    settings: Settings, tools: ToolOptions, warn: Callable[[str], None] | None = None
) -> Toolbox | None:
    """The Toolbox the names and files resolve to (tools.registry), None when none was asked for.
    UserError for an unknown name or a bad file: before anything is sent or saved. The MCP servers
    named are started now (``warn``: one line for each that fails; their stderr is logged in the
    data dir) and stopped by ``Toolbox.close``."""
    if not tools.wanted:
        return None
    from appam_cli.tools.registry import build_toolbox

    try:
        return build_toolbox(
            tools.names, tools.files, mcp_servers=settings.mcp_servers, warn=warn, log_dir=settings.data_dir
        )
    except UserError as exc:
        named = [n for n in tools.agent_names if repr(n) in exc.message]
        if tools.agent_file and named:  # a name the agent file gave: say which file to fix
            raise UserError(f"{exc.message} (named by the agent file {tools.agent_file})") from None
        raise


@dataclass
class TurnSpec:
    """One turn as the command line or the chat asks for it (request options are in the Settings)."""

    model: str | None = None  # -m; None: the session's model, then the configured default
    system: str | None = None  # the system prompt a new session starts with
    save: bool = True  # False: --no-save
    api_base: str | None = None  # --api-base: over the session's own API base
    # --agent, or the continued session's (agent/named.py): its name is saved on the session and the
    # ledger; its tools, MCP servers and max_steps are in ``tools`` (ToolOptions.with_agent).
    agent: NamedAgent = field(default_factory=NamedAgent)
    tools: ToolOptions = field(default_factory=ToolOptions)
    toolbox: Toolbox | None = None  # what open_toolbox made of ``tools`` (the caller closes it)
    approver: Approver | None = None  # who approves side effects (None: nobody can be asked)


class AnswerSink(AbstractContextManager[Any], Protocol):
    """What shows an answer while it streams (render's views): entered before the request,
    left when the turn ends (finish, or abort on a failure)."""

    def content(self, delta: str) -> None: ...
    def reasoning(self, delta: str) -> None: ...
    def tool_call(self, name: str, arguments: str) -> None: ...
    def tool_result(self, outcome: dict[str, Any]) -> None: ...
    def paused(self) -> AbstractContextManager[Any]: ...  # the screen is free (an approval is asked)


def default_model(settings: Settings) -> str:
    """Flag/APPAM_MODEL/config (already merged in settings) > the first provider with a key."""
    if settings.model:
        return settings.model
    from appam_cli.providers.keys import default_model as first_with_key
    from appam_cli.providers.keys import no_model_message

    model = first_with_key()
    if model is None:
        raise ProviderError(no_model_message(), kind="auth")
    return model


def turn_route(settings: Settings, spec: TurnSpec, session: Session | None) -> ModelRoute:
    """-m, else the session's own model, else the configured default, through config's aliases and
    profiles; UserError for a mistyped name, and for a session whose profile config no longer has."""
    from appam_cli.agent.model_route import route_model

    if not spec.model and session is not None and session.model and session.profile:
        if session.profile not in settings.profiles:
            raise UserError(
                f"session {session.session_id[:8]} was answered by provider profile {session.profile!r}, which "
                f"config.toml no longer has: add [profiles.{session.profile}] again, or continue with -m MODEL"
            )
    model = spec.model or (session.model if session is not None and session.model else None) or default_model(settings)
    return route_model(settings, model)


def turn_model(settings: Settings, spec: TurnSpec, session: Session | None) -> str:
    """The model name recorded for the turn (an alias resolved); UserError for a mistyped name."""
    return turn_route(settings, spec, session).model


def turn_api_base(
    settings: Settings, spec: TurnSpec, session: Session | None, route: ModelRoute | None = None
) -> str | None:
    """--api-base, else the model's provider profile (as config.toml has it today), else where the
    session was answered, else the configured one (env, config.toml).

    An API base that only an imported file names is never used (a key would go to a host the
    user never chose): UserError telling how to confirm it or to pass --api-base. The address of
    a profile's session belongs to the profile: a model outside it goes where config sends it.
    """
    if spec.api_base:
        return spec.api_base
    if route is not None and route.profile is not None:
        return route.profile.api_base
    if session is not None and session.profile:
        return settings.api_base
    if session is not None and session.api_base:
        return session.api_base
    if session is not None and session.imported_api_base:
        sid = session.session_id[:8]
        raise UserError(
            f"session {sid} came from an imported file that names the API base {session.imported_api_base}; "
            f"pass --api-base URL, or confirm that one with: appam sessions confirm-api-base {sid}"
        )
    return settings.api_base


def prepare_agent(
    settings: Settings,
    history: SessionStore | None,
    spec: TurnSpec,
    allowance: Allowance,
    *,
    session: Session | None = None,
    backend: ProviderBackend | None = None,
    warn: Callable[[str], None],
) -> Agent:
    """The Agent for one turn, under the cost limit that applies now (``--max-cost``, ``[budget]``).

    Raises BudgetExceeded when a budget is used up and UserError when a cost limit names a
    model with no known price: before anything is saved or sent.
    """
    route = turn_route(settings, spec, session)
    model = route.model
    options = settings.request.merged(api_base=turn_api_base(settings, spec, session, route))
    if route.profile is not None:  # its server, its key (by the variable's name), its name for the model
        options = options.merged(
            profile=route.profile.name, api_key_env=route.profile.api_key_env, provider_model=route.provider_model
        )
    return Agent(
        model,
        spec.system,
        spec.toolbox,
        name=spec.agent.name,
        approver=spec.approver,
        max_steps=spec.tools.step_limit,
        tool_context=spec.tools.context() if spec.toolbox else None,
        options=options,
        history=history if spec.save else None,
        cost_guard=allowance.cost_guard(settings, model, warn),
        prices=settings.prices,
        backend=backend,
    )


def _shown_name(agent: Agent, wire: str) -> str:
    """The name users know a called tool by (``github.list_issues``, sent as ``github__list_issues``)."""
    spec = agent.toolbox.find(wire) if agent.toolbox is not None else None
    return spec.name if spec is not None else wire


def stream_turn(
    agent: Agent,
    session: Session,
    prompt: str | None,
    allowance: Allowance,
    sink: AnswerSink | None = None,
    notice: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    told: set[str] | None = None,
) -> None:
    """Run one turn of ``session`` into ``sink`` (None: nothing shows it).

    ``prompt`` None answers the conversation as it stands (the chat's /retry). ``notice``
    is told of each retry before the answer starts, ``warn`` of an option the model ignores: once,
    however many requests the turn makes (once per chat: the chat passes the same ``told``).
    Whatever the turn spent counts against the allowance, however it ended.
    """
    builder = agent.stream(prompt, session)
    if sink is not None:
        builder.on_content(sink.content).on_reasoning(sink.reasoning).on_tool_call(
            lambda call: sink.tool_call(_shown_name(agent, call["function"]["name"]), call["function"]["arguments"])
        ).on_tool_result(sink.tool_result)
        if agent.approver is not None:  # asking someone needs the screen: the view steps aside meanwhile
            agent.approver = PausingApprover(agent.approver, sink.paused)
    if notice is not None:
        total = agent.options.retries + 1
        builder.on_retry(
            lambda attempt, wait, reason: notice(
                f"{reason}; retrying in {wait:.1f} s (attempt {attempt + 1} of {total})"
            )
        )
    if warn is not None:
        said = told if told is not None else set()

        def once(text: str) -> None:
            if text not in said:
                said.add(text)
                warn(text)

        builder.on_notice(once)
    try:
        with sink if sink is not None else nullcontext():
            builder.run()
    finally:
        allowance.spend(agent.spent_usd)


class PausingApprover:
    """An Approver whose asking happens with the answer view paused (its live region stopped)."""

    def __init__(self, inner: Approver, paused: Callable[[], AbstractContextManager[Any]]) -> None:
        self.inner = inner
        self.paused = paused

    def decide(self, spec: ToolSpec, arguments: dict[str, Any]) -> Decision:
        preapproved = getattr(self.inner, "preapproved", None)
        if preapproved is not None and preapproved(spec):  # nobody is asked: the view stays
            return self.inner.decide(spec, arguments)
        with self.paused():
            return self.inner.decide(spec, arguments)
