"""What ``run``, ``continue`` and the chat share for one turn: the Agent that answers it, under
the spending limit that applies now, and the turn streamed into whatever shows it.

The command line and the chat call these and only present the outcome; no rich, typer or
prompt_toolkit here. The view is handed in (``AnswerSink``): render/ makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from appam_cli.agent.agent import Agent
from appam_cli.agent.named import NamedAgent
from appam_cli.agent.spending import Allowance
from appam_cli.errors import ProviderError, UserError

if TYPE_CHECKING:
    from appam_cli.agent.store import SessionStore
    from appam_cli.config import Settings
    from appam_cli.datamodel import Session
    from appam_cli.datamodel.profile import ModelRoute
    from appam_cli.providers import ProviderBackend


@dataclass
class TurnSpec:
    """One turn as the command line or the chat asks for it (request options are in the Settings)."""

    model: str | None = None  # -m; None: the session's model, then the configured default
    system: str | None = None  # the system prompt a new session starts with
    save: bool = True  # False: --no-save
    api_base: str | None = None  # --api-base: over the session's own API base
    # --agent, or the continued session's (agent/named.py): its name is saved on the session and the
    # ledger; its tools, MCP servers and max_steps are read by agent_tooling(spec.agent).
    agent: NamedAgent = field(default_factory=NamedAgent)


class AnswerSink(AbstractContextManager[Any], Protocol):
    """What shows an answer while it streams (render's views): entered before the request,
    left when the turn ends (finish, or abort on a failure)."""

    def content(self, delta: str) -> None: ...
    def reasoning(self, delta: str) -> None: ...
    def tool_call(self, name: str, arguments: str) -> None: ...


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
    # The tool loop takes the agent's tools, MCP servers and max_steps from agent_tooling(spec.agent).
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
        name=spec.agent.name,
        options=options,
        history=history if spec.save else None,
        cost_guard=allowance.cost_guard(settings, model, warn),
        prices=settings.prices,
        backend=backend,
    )


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
            lambda call: sink.tool_call(call["function"]["name"], call["function"]["arguments"])
        )
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
