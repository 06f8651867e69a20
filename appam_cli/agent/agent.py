"""Agent: a model, a system prompt and request options; runs prompts into Sessions.

Synchronous. An Agent given a SessionHistory saves as it goes (when the history
has auto_save); one without saves nothing and just returns the Session. It owns
what limits its spending (``cost_guard``) and where its requests are served
(``backend``: this process unless told otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from appam_cli.agent.budget import CostGuard
from appam_cli.agent.callbacks import Callbacks
from appam_cli.agent.stream_builder import StreamBuilder
from appam_cli.agent.turn import run_turn
from appam_cli.datamodel import RequestOptions, Session
from appam_cli.errors import UserError
from appam_cli.providers import LocalBackend, ProviderBackend, ProviderRequest
from appam_cli.tools.limits import DEFAULT_MAX_STEPS

if TYPE_CHECKING:
    from appam_cli.agent.store import SessionStore
    from appam_cli.agent.tool_runner import ToolRun
    from appam_cli.datamodel.price import ModelPrice
    from appam_cli.tools.spec import Approver, ToolContext, ToolSpec
    from appam_cli.tools.toolbox import Toolbox

_OPTION_NAMES = RequestOptions.names() - {"model"}


class Agent:
    """``Agent(model, system_prompt, tools, temperature=…, api_base=…, history=…, max_cost_usd=…)``.

    Request options come as ``options=RequestOptions(...)`` and/or as keywords over them
    (``temperature``, ``max_tokens``, ``reasoning_effort``, ``api_base``, ``timeout``,
    ``retries``, ``retry_max_wait``, ``stream``); they stay readable and settable as
    attributes (``agent.api_base = url``).

    ``tools``: plain functions, ``@tool`` functions or ToolSpecs (or a Toolbox); the model may call
    them, and the turn runs the calls and asks again until an answer calls none (at most
    ``max_steps`` requests, each call at most ``tool_timeout`` seconds). A call with side effects
    runs only when ``approver`` approves it; without one it is denied and the model told so.
    """

    def __init__(
        self,
        model: str,
        system_prompt: str | None = None,
        tools: Iterable[Any] | Toolbox | None = None,
        *,
        approver: Approver | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        tool_timeout: float | None = None,
        tool_context: ToolContext | None = None,
        name: str = "default",
        options: RequestOptions | None = None,
        history: SessionStore | None = None,
        max_cost_usd: float | None = None,
        cost_limit_label: str | None = None,
        cost_guard: CostGuard | None = None,
        prices: dict[str, ModelPrice] | None = None,
        backend: ProviderBackend | None = None,
        **request_options: Any,
    ) -> None:
        if not model:
            raise UserError("an Agent needs a model name")
        unknown = sorted(set(request_options) - _OPTION_NAMES)
        if unknown:
            raise TypeError(f"Agent() got an unexpected keyword argument {unknown[0]!r}")
        self.options = (options or RequestOptions()).merged(model=model, **request_options)
        self.system_prompt = system_prompt
        # The tool machinery is imported only by an agent that has tools: a run without them never loads it.
        self.toolbox: Toolbox | None = _toolbox(tools)
        self.approver = approver
        if max_steps < 1:
            raise UserError("max_steps must be at least 1")
        self.max_steps = max_steps
        self.tool_context: ToolContext | None = None
        if self.toolbox is not None:
            from appam_cli.agent.tool_runner import tool_context as tool_context_for

            context = tool_context or tool_context_for()
            self.tool_context = context if tool_timeout is None else replace(context, timeout=float(tool_timeout))
        self.name = name
        self.history = history
        self.prices = dict(prices or {})
        self.backend: ProviderBackend = backend if backend is not None else LocalBackend()
        # Spending: a cap on what this Agent's requests cost (all its turns), checked before each
        # request and while streaming. An unpriced model cannot be capped: refused here.
        if cost_guard is None and max_cost_usd is not None:
            cost_guard = CostGuard.for_model(model, max_cost_usd, cost_limit_label, self.prices)
        self.cost_guard = cost_guard

    # Request options read and written as attributes: agent.temperature, agent.api_base = …
    def __getattr__(self, name: str) -> Any:
        if name in _OPTION_NAMES and "options" in self.__dict__:
            return getattr(self.__dict__["options"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OPTION_NAMES:
            object.__setattr__(self, "options", replace(self.options, **{name: value}))
        else:
            object.__setattr__(self, name, value)

    @property
    def model(self) -> str:
        assert self.options.model is not None  # set in __init__
        return self.options.model

    @classmethod
    def quick(
        cls,
        model: str,
        system_prompt: str | None = None,
        tools: Iterable[Any] | Toolbox | None = None,
        *,
        approver: Approver | None = None,
    ) -> Agent:
        return cls(model, system_prompt, tools, approver=approver)

    @property
    def tools(self) -> list[ToolSpec]:
        return self.toolbox.specs if self.toolbox is not None else []

    @property
    def tool_run(self) -> ToolRun | None:
        """The tools this agent's turns run, or None without any (an answer's calls are then only recorded)."""
        if not self.toolbox or self.tool_context is None:
            return None
        from appam_cli.agent.tool_runner import ToolRun

        return ToolRun(self.toolbox, self.approver, self.tool_context, self.max_steps)

    def provider_request(self, messages: list[dict[str, Any]]) -> ProviderRequest:
        return ProviderRequest(
            messages=messages,
            options=self.options,
            tools=(self.toolbox.provider_tools() or None) if self.toolbox is not None else None,
            price=self.prices.get(self.model),
        )

    @property
    def spent_usd(self) -> float:
        """What this agent's requests cost so far, when it has a cost limit."""
        return self.cost_guard.spent_usd if self.cost_guard is not None else 0.0

    def new_session(self) -> Session:
        return Session(agent_name=self.name, model=self.model)

    def run(self, prompt: str) -> Session:
        return self.stream(prompt).run()

    def stream(self, prompt: str | None, session: Session | None = None) -> StreamBuilder:
        """A run of ``prompt`` (None: answer ``session`` as it stands) to hang callbacks on."""
        return StreamBuilder(self, prompt, session)

    def continue_session(self, session_id: str, prompt: str) -> Session:
        return self.stream(prompt, self.load(session_id)).run()

    def load(self, session_id: str) -> Session:
        """The saved session, with its full history (needs a SessionHistory)."""
        if self.history is None or not self.history.enabled:
            raise UserError("continuing a session needs a SessionHistory to load it from")
        session = self.history.load_session(session_id)
        if session is None:
            raise UserError(f"no session with id {session_id!r}")
        return session

    def execute(self, prompt: str | None, session: Session | None, callbacks: Callbacks) -> Session:
        """Run one turn (the StreamBuilder's ``run``)."""
        return run_turn(self, session if session is not None else self.new_session(), prompt, callbacks)


def _toolbox(tools: Iterable[Any] | Toolbox | None) -> Toolbox | None:
    """A Toolbox of ``tools`` (kept as it is when it is one); None for no tools at all."""
    if tools is None:
        return None
    from appam_cli.tools.toolbox import Toolbox

    if isinstance(tools, Toolbox):
        return tools
    specs = [as_spec(t) for t in tools]
    return Toolbox(specs) if specs else None


def as_spec(tool: Any) -> ToolSpec:
    """A ToolSpec from a ToolSpec, an ``@tool`` function or a plain function (its type hints and
    docstring declare it: ``appam_cli.tools.decorator``)."""
    from appam_cli.tools.spec import ToolSpec

    if isinstance(tool, ToolSpec):
        return tool
    if callable(tool):
        from appam_cli.tools.decorator import as_tool_spec

        return as_tool_spec(tool)
    raise TypeError(f"not a tool: {tool!r} (give a function, an @tool function or a ToolSpec)")
