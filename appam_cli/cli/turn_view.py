"""Running one turn for the CLI: agent + live view + footer + exit code.

Shared by ``run`` and ``continue`` (and the chat REPL's turns): one loop in the
core, one presentation here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace

from appam_cli.config import Settings
from appam_cli.errors import EXIT_INCOMPLETE, EXIT_OK, ProviderError


@dataclass
class TurnOptions:
    prompt: str
    model: str | None
    system: str | None = None
    session_id: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    raw: bool = False
    json_output: bool = False
    save: bool = True
    show_reasoning: bool = True
    # Spending (cli/budget_gate.py): --max-cost caps the invocation; --force runs past [budget].
    max_cost_usd: float | None = None
    cost_limit_label: str | None = None
    force: bool = False
    show_usage: bool = False  # --usage: the detailed breakdown after the footer


def build_agent(settings: Settings, history, model: str, opts: TurnOptions):
    from appam_cli.agent import Agent

    return Agent(
        model,
        opts.system,
        temperature=opts.temperature,
        max_tokens=opts.max_tokens,
        api_base=settings.api_base,
        retries=settings.retries,
        retry_max_wait=settings.retry_max_wait,
        timeout=settings.timeout,
        stream=opts.stream,
        history=history if opts.save else None,
        max_cost_usd=opts.max_cost_usd,
        cost_limit_label=opts.cost_limit_label,
        prices=settings.prices,
    )


def prepare_agent(settings: Settings, history, model: str, opts: TurnOptions):
    """The agent for one turn, under the cost limit that applies now (``--max-cost``, ``[budget]``)."""
    from appam_cli.agent.budget import cost_guard
    from appam_cli.cli import budget_gate

    capped = opts.max_cost_usd is not None
    limit, label = budget_gate.cost_limit(settings, opts.max_cost_usd, opts.force)
    agent = build_agent(settings, history, model, replace(opts, max_cost_usd=limit, cost_limit_label=label))
    if not capped and agent.max_cost_usd is not None and agent.price() is None:
        agent.max_cost_usd = None  # what is left of a [budget] cannot cap a model whose cost is unknown
    cost_guard(agent)  # --max-cost on a model with no known price is refused before anything starts
    return agent


def stream_into_view(settings: Settings, agent, session, prompt: str | None, opts: TurnOptions) -> None:
    """Run one turn of ``session`` into the answer view (none with ``--json``).

    The view is finished on success and on a cost-limit stop, aborted on any other
    failure (``[interrupted]`` for Ctrl-C/SIGTERM); the exception then propagates.
    ``prompt`` None answers the conversation as it stands (the chat's /retry).
    """
    from appam_cli.agent.budget import BudgetExceeded
    from appam_cli.cli import budget_gate
    from appam_cli.render.footer import print_notice

    view = None
    if not opts.json_output:
        from appam_cli.render import make_view

        view = make_view(raw=opts.raw, show_reasoning=opts.show_reasoning)
    builder = agent.stream(prompt, session)
    if view is not None:
        builder.on_content(view.content).on_reasoning(view.reasoning).on_tool_call(
            lambda call: view.tool_call(call["function"]["name"], call["function"]["arguments"])
        )
    builder.on_retry(
        lambda attempt, wait, reason: print_notice(
            f"{reason}; retrying in {wait:.1f} s (attempt {attempt + 1} of {agent.retries + 1})"
        )
    )
    before = len(session.requests)
    try:
        if view is not None:
            view.start()
        builder.run()
    except ProviderError:
        if view is not None:
            view.abort(None)
        raise
    except BudgetExceeded:
        if view is not None:
            view.finish()
        raise
    except BaseException:
        if view is not None:
            view.abort("[interrupted]")
        raise
    finally:
        budget_gate.add_spent(settings, sum(r.cost_usd or 0.0 for r in session.requests[before:]))
    if view is not None:
        view.finish()


def run_turn_cli(settings: Settings, history, opts: TurnOptions) -> int:
    from appam_cli.agent.budget import BudgetExceeded
    from appam_cli.cli.context import open_history
    from appam_cli.render.footer import print_footer, print_notice, print_usage_details, turn_usage

    session = None
    if opts.session_id:
        session = open_history(settings).load_session(opts.session_id)
    model = opts.model or (session.model if session else None)
    agent = prepare_agent(settings, history, model, opts)
    if session is None:
        session = agent.new_session()

    before = len(session.requests)
    try:
        stream_into_view(settings, agent, session, opts.prompt, opts)
    except ProviderError:
        raise
    except BudgetExceeded:  # stopped by a cost limit: show what arrived and what it cost, then exit 5
        print_footer(session, saved=opts.save, usage=turn_usage(session.requests[before:]))
        raise
    except BaseException:
        if opts.save and session.messages:
            print_notice(f"saved what arrived in session {session.session_id}")
        raise

    if opts.json_output:
        sys.stdout.write(json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n")
    answer = session.messages[-1] if session.messages else None
    incomplete = answer is not None and answer.role == "assistant" and answer.status != "completed"
    usage = turn_usage(session.requests[before:])
    print_footer(session, saved=opts.save, incomplete=incomplete, usage=usage)
    if opts.show_usage:
        print_usage_details(usage, session.requests[before:])
    return EXIT_INCOMPLETE if incomplete else EXIT_OK
