"""Agent: a model, a system prompt and options; runs prompts into Sessions.

Synchronous. An Agent given a SessionHistory saves as it goes (when the history
has auto_save); one without saves nothing and just returns the Session.
"""

from __future__ import annotations

from typing import Any

from appam_cli.agent.callbacks import Callbacks
from appam_cli.agent.stream_builder import StreamBuilder
from appam_cli.agent.turn import run_turn
from appam_cli.errors import UserError
from appam_cli.datamodel import Session
from appam_cli.providers import ProviderRequest


class Agent:
    def __init__(
        self,
        model: str,
        system_prompt: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        *,
        name: str = "default",
        temperature: float | None = None,
        max_tokens: int | None = None,
        reasoning_effort: str | None = None,
        api_base: str | None = None,
        retries: int = 3,
        retry_max_wait: float = 60.0,
        timeout: float = 600.0,
        stream: bool = True,
        history: Any = None,
        max_cost_usd: float | None = None,
        cost_limit_label: str | None = None,
        prices: dict[str, Any] | None = None,
    ) -> None:
        if not model:
            raise UserError("an Agent needs a model name")
        self.model = model
        self.system_prompt = system_prompt
        self.tools = list(tools or [])
        self.name = name
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.reasoning_effort = reasoning_effort
        self.api_base = api_base
        self.retries = retries
        self.retry_max_wait = retry_max_wait
        self.timeout = timeout
        self.streaming = stream
        self.history = history
        # Spending: a cap on what this Agent's requests cost (all its turns), checked before each
        # request and while streaming (agent/budget.py); prices (model -> ModelPrice) override the map.
        self.max_cost_usd = max_cost_usd
        self.cost_limit_label = cost_limit_label
        self.prices = dict(prices or {})
        self._cost_guard = None

    @classmethod
    def quick(cls, model: str, system_prompt: str | None = None, tools: list[dict[str, Any]] | None = None) -> "Agent":
        return cls(model, system_prompt, tools or [])

    def provider_request(self, messages: list[dict[str, Any]]) -> ProviderRequest:
        return ProviderRequest(
            model=self.model,
            messages=messages,
            tools=self.tools or None,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            reasoning_effort=self.reasoning_effort,
            api_base=self.api_base,
            timeout=self.timeout,
            retries=self.retries,
            retry_max_wait=self.retry_max_wait,
            stream=self.streaming,
            price=self.prices.get(self.model),
        )

    def price(self):
        """This agent's model's ModelPrice (config prices first, then the price map), or None."""
        from appam_cli.providers.pricing import price_for

        return price_for(self.model, self.prices)

    @property
    def spent_usd(self) -> float:
        """What this agent's requests cost so far, when it has a cost limit."""
        return self._cost_guard.spent_usd if self._cost_guard is not None else 0.0

    def new_session(self) -> Session:
        return Session(agent_name=self.name, model=self.model)

    def run(self, prompt: str) -> Session:
        return self.stream(prompt).run()

    def stream(self, prompt: str, session: Session | None = None) -> StreamBuilder:
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

    def _execute(self, prompt: str, session: Session | None, callbacks: Callbacks) -> Session:
        return run_turn(self, session if session is not None else self.new_session(), prompt, callbacks)
