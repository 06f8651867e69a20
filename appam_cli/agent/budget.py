"""Spending limits: a cap on one invocation (``max_cost_usd``) and the daily/monthly budgets.

``CostGuard`` is what the turn loop consults: before each request (what the prompt
alone would cost, by the model's tokenizer) and while the answer streams. The provider
counts the streamed text with the model's tokenizer at checkpoints (``Progress`` events,
providers/tally.py); text since the last one is taken at its upper bound, a token a UTF-8
byte, and a margin of one more piece as large as the largest so far is kept, so the loop
stops *before* the answer would pass the limit: what the stopped request is recorded as
costing (the tokenizer's count of what arrived) stays within it, or passes it by at most the
one piece that arrived last (the provider sent it whole). The stop saves what arrived and raises
BudgetExceeded (exit code 5). Reasoning a provider does not stream (OpenAI's o-series)
cannot be seen while streaming; it counts once the request's real usage arrives.

``period_status`` turns what the ledger says was spent today / this month (UTC)
into a warning (80 %) or a refusal (100 %), and into what is left to spend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appam_cli.datamodel.usage import RequestUsage, format_usd
from appam_cli.errors import BudgetExceeded, UserError
from appam_cli.providers.tally import COUNT_EVERY

if TYPE_CHECKING:
    from appam_cli.datamodel.price import ModelPrice
    from appam_cli.providers import Progress

__all__ = ["BudgetExceeded", "CostGuard", "PeriodBudget", "money", "period_status"]

WARN_AT = 0.8
MIN_COUNT_EVERY = 8  # characters of answer between two token counts close to the limit (far: COUNT_EVERY)

# How a guard counts a prompt's tokens: (model, messages, answer) -> RequestUsage (the provider backend's).
Estimator = Callable[[str, list[dict[str, Any]], str], RequestUsage]


def money(amount: float) -> str:
    """``$0.05``, ``$1.20``; more digits only where cents would hide the amount (``$0.0012``)."""
    return f"${amount:.2f}" if amount >= 0.01 and abs(round(amount, 2) - amount) < 1e-9 else format_usd(amount)


def money_up(amount: float) -> str:
    """``money`` rounded up, never down: for "at most" figures."""
    digits = 2 if amount >= 1 else 4 if amount >= 0.0001 else 6
    return format_usd(math.ceil(amount * 10**digits - 1e-9) / 10**digits)


@dataclass
class CostGuard:
    """The cap on what one Agent spends over all its requests; the Agent owns it."""

    limit_usd: float
    label: str
    price: ModelPrice
    spent_usd: float = 0.0
    _prompt_usd: float = 0.0
    _text_rate: float = 0.0  # USD a token of answer text, this request
    _reasoning_rate: float = 0.0
    _counted: Progress | None = None  # the provider's last count of this request's answer
    _text_bytes: int = 0  # the answer's text streamed so far (UTF-8)
    _reasoning_bytes: int = 0
    _largest: int = 0  # the largest piece so far: the next may be as large (the margin)

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

    def before_request(self, model: str, messages: list[dict[str, Any]], estimate: Estimator) -> int:
        """Raise BudgetExceeded when the prompt alone would pass the limit (nothing is sent).

        Returns how many characters of answer the provider should count at a time (the
        request's ``count_every``): fine enough that text not counted yet, taken at its upper
        bound, stops the answer no earlier than about 7/8 of the way to the limit."""
        try:
            prompt_tokens = estimate(model, messages, "").input_tokens
        except Exception:
            from appam_cli.providers.usage import rough_tokens_of_messages

            prompt_tokens = rough_tokens_of_messages(messages)
        prompt = RequestUsage(input_tokens=prompt_tokens)
        self._prompt_usd = self.price.cost(prompt)
        # What one more token of answer costs, as text and as reasoning (the rates stay for the request).
        self._text_rate = self.price.cost(RequestUsage(input_tokens=prompt_tokens, output_tokens=1)) - self._prompt_usd
        self._reasoning_rate = self.price.cost(
            RequestUsage(input_tokens=prompt_tokens, output_tokens=1, reasoning_tokens=1)
        ) - self._prompt_usd
        self._counted = None
        self._text_bytes = self._reasoning_bytes = self._largest = 0
        if self.spent_usd + self._prompt_usd > self.limit_usd:
            raise BudgetExceeded(
                f"stopped before sending: the prompt alone (about {money(self._prompt_usd)}) would pass "
                f"{self.label}" + (f" ({money(self.spent_usd)} already spent)" if self.spent_usd else "")
            )
        per_token = max(self._text_rate, self._reasoning_rate)
        if per_token <= 0:
            return COUNT_EVERY
        headroom = (self.limit_usd - self.spent_usd - self._prompt_usd) / per_token  # answer tokens left
        # Up to four bytes a character (each could be a token until counted): 1/32 of the headroom.
        return max(MIN_COUNT_EVERY, min(COUNT_EVERY, int(headroom / 32)))

    def on_stream(self, text: str, *, reasoning: bool = False) -> None:
        """Count a piece of the answer; raise BudgetExceeded when the next piece could pass the limit."""
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if reasoning:
            self._reasoning_bytes += size
        else:
            self._text_bytes += size
        if size > self._largest:
            self._largest = size
        so_far = self._request_usd()
        if self.spent_usd + so_far + self._margin_usd() > self.limit_usd:
            raise BudgetExceeded(
                f"stopped mid-answer to stay within {self.label} (this request: at most {money_up(so_far)} so far); "
                "the partial answer is saved"
            )

    def on_progress(self, progress: Progress) -> None:
        """The provider's tokenizer count of the answer so far (all of it but the last few bytes)."""
        self._counted = progress

    def _request_usd(self) -> float:
        """This request so far, at most: its prompt, the answer as counted, and the bytes not
        counted yet at a token each."""
        c = self._counted
        text, reasoning = self._text_bytes, self._reasoning_bytes
        if c is not None:
            text += c.output_tokens - c.reasoning_tokens - c.text_bytes
            reasoning += c.reasoning_tokens - c.reasoning_bytes
        return self._prompt_usd + text * self._text_rate + reasoning * self._reasoning_rate

    def _margin_usd(self) -> float:
        """A next piece as large as the largest so far, at the tokens a byte counted so far (a
        token a byte before any count), at the dearer of the text and reasoning rates."""
        c = self._counted
        covered = c.text_bytes + c.reasoning_bytes if c is not None else 0
        per_byte = min(1.0, c.output_tokens / covered) if c is not None and covered else 1.0
        return self._largest * per_byte * max(self._text_rate, self._reasoning_rate)


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
