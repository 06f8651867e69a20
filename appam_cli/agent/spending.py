"""What one invocation may spend: ``--max-cost`` over all its turns, and the ``[budget]`` left.

``--max-cost`` caps the whole invocation: the turns of a chat spend from one
``Allowance``. ``budget.daily_usd`` / ``budget.monthly_usd`` are read against the
ledger (UTC day and month): at 80 % a warning, at 100 % a refusal unless ``--force``;
below that, what is left becomes the turn's cap too, so a run stops when it would
pass the budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from appam_cli.agent.budget import CostGuard, PeriodBudget, money, period_status
from appam_cli.errors import BudgetExceeded

if TYPE_CHECKING:
    from appam_cli.config import Settings


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """Midnight UTC today and on the first of this month."""
    now = now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


@dataclass
class Allowance:
    max_cost_usd: float | None = None  # --max-cost: for the whole invocation
    force: bool = False  # --force: run past a used-up [budget]
    spent_usd: float = 0.0  # what the invocation's finished turns cost

    def cost_guard(self, settings: Settings, model: str, warn: Callable[[str], None]) -> CostGuard | None:
        """The guard for the next turn's Agent, or None without a limit that can be kept.

        Calls ``warn`` with the budget warnings; raises BudgetExceeded when a budget is used
        up (unless forced) and UserError when ``--max-cost`` names a model with no known price.
        """
        limit, label = self._limit(settings, warn)
        if limit is None:
            return None
        if self.max_cost_usd is None:
            from appam_cli.providers.pricing import price_for

            if price_for(model, settings.prices) is None:
                return None  # what is left of a [budget] cannot cap a model whose cost is unknown
        return CostGuard.for_model(model, limit, label, settings.prices)

    def spend(self, cost_usd: float) -> None:
        self.spent_usd += max(0.0, cost_usd)

    def _limit(self, settings: Settings, warn: Callable[[str], None]) -> tuple[float | None, str | None]:
        limit: float | None = None
        label: str | None = None
        if self.max_cost_usd is not None:
            limit = max(0.0, self.max_cost_usd - self.spent_usd)
            label = f"--max-cost {money(self.max_cost_usd)}"
            if self.spent_usd:
                label += f" ({money(limit)} left)"
        budget = settings.budget
        if budget.daily_usd is None and budget.monthly_usd is None:
            return limit, label

        from appam_cli.datamodel.times import utcnow
        from appam_cli.store import SessionHistory
        from appam_cli.store.reports import spent_between

        history = SessionHistory.from_settings(settings)
        try:
            day, month = period_starts(utcnow())
            budgets = []
            if budget.daily_usd is not None:
                budgets.append(PeriodBudget("daily", budget.daily_usd, spent_between(history.conn, day)))
            if budget.monthly_usd is not None:
                budgets.append(PeriodBudget("monthly", budget.monthly_usd, spent_between(history.conn, month)))
        finally:
            history.close()
        check = period_status(budgets, force=self.force)
        for warning in check.warnings:
            warn(warning)
        if check.refusal:
            raise BudgetExceeded(check.refusal)
        if check.remaining_usd is not None and (limit is None or check.remaining_usd < limit):
            limit, label = check.remaining_usd, check.remaining_label
        return limit, label
