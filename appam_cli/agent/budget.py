"""Spending limits: a cap on one invocation (``max_cost_usd``) and the daily/monthly budgets.

``CostGuard`` is what the turn loop consults: before each request (what the prompt
alone would cost) and while the answer streams (the prompt plus the text so far,
at about four characters a token, at the model's output rate). When the estimate
would pass the limit the loop stops, saves what it has and raises BudgetExceeded
(exit code 5). Reasoning a provider does not stream (OpenAI's o-series) cannot be
seen while streaming; it counts once the request's real usage arrives.

``period_status`` turns what the ledger says was spent today / this month (UTC)
into a warning (80 %) or a refusal (100 %), and into what is left to spend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appam_cli.datamodel.usage import RequestUsage, format_usd
from appam_cli.errors import BudgetExceeded, UserError

if TYPE_CHECKING:
    from appam_cli.datamodel.price import ModelPrice

__all__ = ["BudgetExceeded", "CostGuard", "PeriodBudget", "money", "period_status"]

WARN_AT = 0.8
CHARS_PER_TOKEN = 4

# How a guard counts a prompt's tokens: (model, messages, answer) -> RequestUsage (the provider backend's).
Estimator = Callable[[str, list[dict[str, Any]], str], RequestUsage]


def money(amount: float) -> str:
    """``$0.05``, ``$1.20``; more digits only where cents would hide the amount (``$0.0012``)."""
    return f"${amount:.2f}" if amount >= 0.01 and abs(round(amount, 2) - amount) < 1e-9 else format_usd(amount)


@dataclass
class CostGuard:
    """The cap on what one Agent spends over all its requests; the Agent owns it."""

    limit_usd: float
    label: str
    price: ModelPrice
    spent_usd: float = 0.0
    _prompt_tokens: int = 0
    _prompt_usd: float = 0.0
    _chars: int = 0

    @classmethod
    def for_model(
        cls, model: str, limit_usd: float, label: str | None = None, prices: dict[str, ModelPrice] | None = None
    ) -> CostGuard:
        """A guard at ``limit_usd`` for ``model``; UserError when its price is unknown (it could not be kept)."""
        from appam_cli.providers.pricing import price_for

        price = price_for(model, prices or {})
        if price is None:
            raise UserError(
                f"cannot enforce a cost limit for {model}: its price is unknown "
                f'(set it in config.toml: [prices."{model}"] input = …, output = … per million tokens)'
            )
        return cls(limit_usd=float(limit_usd), label=label or f"the cost limit of {money(limit_usd)}", price=price)

    def add_spent(self, cost_usd: float | None) -> None:
        self.spent_usd += cost_usd or 0.0

    def before_request(self, model: str, messages: list[dict[str, Any]], estimate: Estimator) -> None:
        """Raise BudgetExceeded when the prompt alone would pass the limit (nothing is sent)."""
        try:
            prompt_tokens = estimate(model, messages, "").input_tokens
        except Exception:
            from appam_cli.providers.usage import rough_tokens_of_messages

            prompt_tokens = rough_tokens_of_messages(messages)
        self._prompt_tokens = prompt_tokens
        self._prompt_usd = self.price.cost(RequestUsage(input_tokens=prompt_tokens))
        self._chars = 0
        if self.spent_usd + self._prompt_usd > self.limit_usd:
            raise BudgetExceeded(
                f"stopped before sending: the prompt alone (about {money(self._prompt_usd)}) would pass "
                f"{self.label}" + (f" ({money(self.spent_usd)} already spent)" if self.spent_usd else "")
            )

    def on_stream(self, text: str) -> None:
        """Count streamed text; raise BudgetExceeded once the estimate passes the limit."""
        self._chars += len(text)
        if self.spent_usd + self._request_usd() > self.limit_usd:
            raise BudgetExceeded(
                f"stopped mid-answer: going on would pass {self.label}; the partial answer is saved"
            )

    def _request_usd(self) -> float:
        """This request so far: its prompt and the text streamed (about four characters a token)."""
        output = -(-self._chars // CHARS_PER_TOKEN)
        return self.price.cost(RequestUsage(input_tokens=self._prompt_tokens, output_tokens=output))


# -- daily / monthly budgets -------------------------------------------------------


@dataclass
class PeriodBudget:
    name: str  # "daily" / "monthly"
    limit_usd: float
    spent_usd: float

    @property
    def key(self) -> str:
        return f"budget.{self.name}_usd"

    @property
    def left_usd(self) -> float:
        return max(0.0, self.limit_usd - self.spent_usd)

    @property
    def share(self) -> float:
        return self.spent_usd / self.limit_usd if self.limit_usd else 0.0

    @property
    def period(self) -> str:
        return "today (UTC)" if self.name == "daily" else "this month (UTC)"

    def describe(self) -> str:
        return f"{money(self.spent_usd)} spent {self.period}, {self.share:.0%} of {self.key} = {money(self.limit_usd)}"


@dataclass
class BudgetCheck:
    warnings: list[str]
    refusal: str | None
    remaining_usd: float | None  # the least left of the budgets, None without budgets
    remaining_label: str | None


def period_status(budgets: list[PeriodBudget], *, force: bool = False) -> BudgetCheck:
    """Warn at 80 %; past 100 % refuse unless forced; report the least left to spend."""
    warnings: list[str] = []
    refusal = None
    for b in budgets:
        if b.share >= 1:
            if force:
                warnings.append(f"budget exceeded ({b.describe()}); running anyway (--force)")
            elif refusal is None:
                refusal = f"budget reached: {b.describe()}; use --force to run anyway"
        elif b.share >= WARN_AT:
            warnings.append(f"budget warning: {b.describe()}")
    remaining = None
    label = None
    if not force:
        for b in budgets:
            if remaining is None or b.left_usd < remaining:
                remaining = b.left_usd
                label = f"{b.key} = {money(b.limit_usd)} ({money(b.left_usd)} left {b.period})"
    return BudgetCheck(warnings, refusal, remaining, label)
