"""Running one turn for the CLI: agent + live view + footer + exit code.

Shared by ``run`` and ``continue`` (and the chat REPL's turns): one loop in the
core, one presentation here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

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
    )


def run_turn_cli(settings: Settings, history, opts: TurnOptions) -> int:
    from appam_cli.cli.context import open_history
    from appam_cli.render.footer import print_footer, print_notice

    session = None
    if opts.session_id:
        session = open_history(settings).load_session(opts.session_id)
    model = opts.model or (session.model if session else None)
    agent = build_agent(settings, history, model, opts)
    if session is None:
        session = agent.new_session()

    view = None
    if not opts.json_output:
        from appam_cli.render import make_view

        view = make_view(raw=opts.raw, show_reasoning=opts.show_reasoning)
    builder = agent.stream(opts.prompt, session)
    if view is not None:
        builder.on_content(view.content).on_reasoning(view.reasoning).on_tool_call(
            lambda call: view.tool_call(call["function"]["name"], call["function"]["arguments"])
        )
    builder.on_retry(
        lambda attempt, wait, reason: print_notice(
            f"{reason}; retrying in {wait:.1f} s (attempt {attempt + 1} of {agent.retries + 1})"
        )
    )
    try:
        if view is not None:
            view.start()
        builder.run()
    except ProviderError:
        if view is not None:
            view.abort(None)
        raise
    except BaseException:
        if view is not None:
            view.abort("[interrupted]")
        if opts.save and session.messages:
            print_notice(f"saved what arrived in session {session.session_id}")
        raise
    if view is not None:
        view.finish()

    if opts.json_output:
        sys.stdout.write(json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n")
    answer = session.messages[-1] if session.messages else None
    incomplete = answer is not None and answer.role == "assistant" and answer.status != "completed"
    print_footer(session, saved=opts.save, incomplete=incomplete)
    return EXIT_INCOMPLETE if incomplete else EXIT_OK
