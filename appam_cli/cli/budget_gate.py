"""Before a turn: the spending limit it runs under (``--max-cost`` and ``[budget]``).

``--max-cost`` caps the whole invocation: the turns of a chat spend from one
allowance, kept on the invocation's Settings (``settings.spent_usd``). ``budget.daily_usd`` /
``budget.monthly_usd`` are read against the ledger (UTC day and month): at 80 % a
warning, at 100 % a refusal unless ``--force``; below that, what is left becomes
the turn's cap too, so a run stops when it would pass the budget.
"""

from __future__ import annotations

from datetime import datetime, timezone

from appam_cli.config import Settings

def add_spent(settings: Settings, cost_usd: float) -> None:
    settings.spent_usd += max(0.0, cost_usd)


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """Midnight UTC today and on the first of this month."""
    now = now.astimezone(timezone.utc)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


def cost_limit(settings: Settings, max_cost_usd: float | None, force: bool = False) -> tuple[float | None, str | None]:
    """(USD this turn may spend, how to name that limit), or (None, None) without limits.

    Prints the budget warnings; raises BudgetExceeded when a budget is used up (unless ``force``).
    """
    from appam_cli.agent.budget import money

    limit: float | None = None
    label: str | None = None
    if max_cost_usd is not None:
        left = max(0.0, max_cost_usd - settings.spent_usd)
        limit = left
        label = f"--max-cost {money(max_cost_usd)}"
        if settings.spent_usd:
            label += f" ({money(left)} left)"
    budget = settings.budget
    if budget.daily_usd is None and budget.monthly_usd is None:
        return limit, label

    from appam_cli.agent.budget import BudgetExceeded, PeriodBudget, period_status
    from appam_cli.cli.context import open_history
    from appam_cli.datamodel.times import utcnow
    from appam_cli.render.footer import print_warning
    from appam_cli.store.reports import spent_between

    history = open_history(settings)
    try:
        day, month = period_starts(utcnow())
        budgets = []
        if budget.daily_usd is not None:
            budgets.append(PeriodBudget("daily", budget.daily_usd, spent_between(history.conn, day)))
        if budget.monthly_usd is not None:
            budgets.append(PeriodBudget("monthly", budget.monthly_usd, spent_between(history.conn, month)))
    finally:
        history.close()
    check = period_status(budgets, force=force)
    for warning in check.warnings:
        print_warning(warning)
    if check.refusal:
        raise BudgetExceeded(check.refusal)
    if check.remaining_usd is not None and (limit is None or check.remaining_usd < limit):
        limit, label = check.remaining_usd, check.remaining_label
    return limit, label
