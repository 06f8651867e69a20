"""The lines around an answer on stderr: notices, the usage footer and the detailed breakdown."""

from __future__ import annotations

from appam_cli.datamodel import AggregatedUsage, RequestRecord, Session
from appam_cli.render.environment import environment


def _stderr():
    return environment().console(stderr=True)


def turn_usage(requests: list[RequestRecord]) -> AggregatedUsage:
    """The usage of some requests (e.g. those one turn added to ``session.requests``)."""
    usage = AggregatedUsage()
    for record in requests:
        usage.add_request(record.usage, record.cost_usd)
    return usage


def print_footer(
    session: Session,
    *,
    saved: bool,
    incomplete: bool = False,
    usage: AggregatedUsage | None = None,
) -> None:
    """``session 1a2b3c4d · 12 in / 40 out tokens · $0.0001 · 1 request`` on stderr.

    ``usage`` is what this turn used (default: the session's totals); when the session
    holds more than this turn (a continued session), its total cost follows.
    """
    from rich.markup import escape

    console = _stderr()
    if incomplete:
        console.print(
            "[bold yellow]appam:[/] the answer was cut off before the model finished; "
            + ("saved it as incomplete" if saved else "it was not saved (--no-save)")
        )
    shown = usage if usage is not None else session.usage
    text = shown.format_display() if shown and shown.request_count else "no usage reported"
    total = session.usage
    if usage is not None and total is not None and total.request_count > usage.request_count:
        text += f" · session total {total.cost_display()}"
    where = f"session {session.session_id[:8]}" if saved else "not saved"
    # on a terminal the line breaks between words, not inside "request"
    console.print(f"[dim]{escape(where)} · {escape(text)}[/]", soft_wrap=not environment().stderr_isatty)


def print_usage_details(usage: AggregatedUsage, requests: list[RequestRecord]) -> None:
    """``--usage``: the breakdown of this run, then one line per request, on stderr."""
    from rich.markup import escape

    from appam_cli.datamodel.usage import format_usd

    console = _stderr()
    console.print("[bold]Usage of this run[/]")
    for line in usage.format_detailed().splitlines():
        console.print("  " + escape(line))
    if len(requests) < 1:
        return
    console.print("[bold]Requests[/]")
    for r in requests:
        u = r.usage
        cost = "cost unknown" if r.cost_usd is None else format_usd(r.cost_usd)
        if r.cost_reported:
            cost += " (reported by the server)"
        timing = []
        if r.ttft_ms is not None:
            timing.append(f"first token {r.ttft_ms / 1000:.2f} s")
        if r.duration_ms is not None:
            timing.append(f"total {r.duration_ms / 1000:.2f} s")
        flags = " · estimated usage" if u.estimated else ""
        model = f"{r.model} (served by {r.served_model})" if r.served_model and r.served_model != r.model else r.model
        line = (
            f"{model} · {r.status} · {u.input_tokens:,} in / {u.output_tokens:,} out · {cost}"
            + (" · " + ", ".join(timing) if timing else "")
            + flags
        )
        console.print("  " + escape(line))
