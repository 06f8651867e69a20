"""``appam usage``: tokens and cost over time from the ledger; ``--reprice`` prices unpriced rows.

Parses, asks ``store.reports`` (SQL aggregation, no messages loaded) and hands the
report to ``render.usage_report``. Imports neither litellm nor sqlmodel.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete
from appam_cli.cli.errors import handle_errors


@handle_errors
def usage(
    since: str | None = typer.Option(None, "--since", help="From: a duration ago (30d, 12h) or a UTC date/time."),
    until: str | None = typer.Option(None, "--until", help="Before (exclusive): 7d, 2026-11-01, 2026-11-01T12:00."),
    by: str = typer.Option(
        "day", "--by",
        help="Group by day, week, month (UTC), model, served-model (the model the server says answered), agent "
        "or session.",
        autocompletion=complete.usage_groups,
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Only models whose name contains this.", autocompletion=complete.models
    ),
    agent: str | None = typer.Option(None, "--agent", help="Only requests made by this agent."),
    json_output: bool = typer.Option(False, "--json", help="The report as JSON."),
    csv_output: bool = typer.Option(False, "--csv", help="The report as CSV, one row per group."),
    reprice: bool = typer.Option(
        False, "--reprice", help="Price the requests whose cost is unknown with the prices known now (config first)."
    ),
) -> None:
    """Tokens and cost from every request made, grouped by time, model, agent or session."""
    import sys

    from appam_cli.cli.context import open_history, settings_with
    from appam_cli.cli.timespec import parse_point
    from appam_cli.errors import EXIT_USAGE, UserError
    from appam_cli.store.reports import BY

    if by not in BY:
        raise UserError(f"invalid --by {by!r}: use one of {', '.join(BY)}", exit_code=EXIT_USAGE)  # as Typer's own
    if json_output and csv_output:
        raise UserError("--json and --csv cannot be used together", exit_code=EXIT_USAGE)
    settings = settings_with()
    history = open_history(settings)
    if reprice:
        _reprice(settings, history)
        return
    from appam_cli.datamodel.usage_report import ReportFilter, UsageReport
    from appam_cli.store.reports import usage_report

    where = ReportFilter(
        since=parse_point(since) if since else None,
        until=parse_point(until) if until else None,
        model=model,
        agent=agent,
    )
    if history.path.exists():
        report = usage_report(history.conn, by, where)
    else:  # no store yet: say so, and do not create one
        report = UsageReport(by=by, where=where, empty_store=True)
    from appam_cli.render import usage_report as out

    if json_output:
        out.write_json(report, sys.stdout)
    elif csv_output:
        out.write_csv(report, sys.stdout)
    else:
        out.print_report(report)


def _reprice(settings, history) -> None:
    from functools import partial

    from appam_cli.providers.pricing import price_for
    from appam_cli.store.reports import reprice

    if not history.path.exists():
        typer.echo("No usage recorded yet: nothing to reprice.")
        return
    history.ensure_writable()  # a read-only store: one line before any work
    history.settle_dead_writers()  # a writing command
    changed, left = reprice(history.conn, partial(price_for, configured=settings.prices))
    message = f"Repriced {changed} request{'' if changed == 1 else 's'}"
    if left:
        message += f"; {left} still {'has' if left == 1 else 'have'} no known price"
        message += ' (set [prices."<model>"] in config.toml)'
    typer.echo(message + ".")
