"""``appam continue [ID [PROMPT]]`` (also ``appam sessions continue``).

With a prompt: one turn on the saved session, exactly as ``run`` does it (same
``run_turn_cli``): same ``session_id``, the new messages appended, the usage
added to the totals; ``-m`` may switch the model for this and later turns.
Without a prompt: the interactive REPL on that session (``open_repl``).
No ID: the most recently updated session. A lone argument is always an ID.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete, options
from appam_cli.cli.errors import debug_enabled, debug_notice, handle_errors
from appam_cli.errors import UserError


@handle_errors
def continue_session(
    session_id: str | None = typer.Argument(
        None,
        help="Session id, a unique prefix of it (4+ characters), or `last` [default: the most recent].",
        autocompletion=complete.session_ids,
    ),
    words: list[str] | None = typer.Argument(
        None,
        metavar="PROMPT",
        help="The prompt; several words are joined with spaces. `-` reads it from stdin. Without one, the session "
        "opens in the chat REPL.",
        show_default=False,
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Switch to this model [default: the session's].", autocompletion=complete.models
    ),
    api_base: str | None = options.API_BASE,
    temperature: float | None = options.TEMPERATURE,
    max_tokens: int | None = options.MAX_TOKENS,
    reasoning_effort: str | None = options.REASONING_EFFORT,
    agent: str | None = typer.Option(
        None, "--agent", "-a", metavar="NAME",
        help="Answer as the agent in agents/NAME.toml (its model too) [default: the session's agent].",
    ),
    timeout: float | None = options.TIMEOUT,
    retries: int | None = options.RETRIES,
    no_stream: bool = options.NO_STREAM,
    raw: bool = options.RAW,
    json_output: bool = options.JSON,
    extract: bool = options.EXTRACT,
    schema: str | None = options.SCHEMA,
    schema_multi: str | None = options.SCHEMA_MULTI,
    usage: bool = options.USAGE,
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD", help="Stop (exit 5) when this turn would cost more than USD."
    ),
    force: bool = options.FORCE,
    tool: list[str] | None = options.TOOL,
    tools_file: list[str] | None = options.TOOLS_FILE,
    allow_path: list[str] | None = options.ALLOW_PATH,
    yes: bool = options.YES,
    max_steps: int | None = options.MAX_STEPS,
    tool_timeout: float = options.TOOL_TIMEOUT,
    verbose: bool = options.VERBOSE,
    debug: bool = options.DEBUG,
) -> None:
    """Continue a session: one more prompt (or the chat REPL)."""
    from appam_cli.agent.busy import refuse_if_busy
    from appam_cli.cli.context import agent_settings, choose_agent_for, open_history, request_flags
    from appam_cli.cli.schema_flags import answer_schema
    from appam_cli.cli.stdin import build_prompt, joined, piped_stdin
    from appam_cli.config import load_settings

    prompt = joined(words)
    wanted = answer_schema(schema, schema_multi, json_output=json_output, extract=extract)
    flags = request_flags(
        api_base, temperature, max_tokens, timeout, retries, no_stream, reasoning_effort=reasoning_effort
    )
    if wanted is not None:
        flags["response_format"] = wanted.response_format()
    base = load_settings()
    history = open_history(base, writing=True)
    sid = resolve_session(history, session_id, lone=prompt is None)
    refuse_if_busy(history, sid)
    named = choose_agent_for(base, agent, sid)  # --agent, else the session's own agent, from its file today
    settings = agent_settings(base, named, flags)
    model = model or named.model  # -m, else an --agent's model, else the session's own
    tools = options.tool_options(tool, tools_file, allow_path, yes, max_steps, tool_timeout, verbose, agent=named)
    if prompt is None:
        piped = piped_stdin()
        if not (piped and piped.strip()):
            if wanted is not None or extract:
                from appam_cli.errors import EXIT_USAGE

                raise UserError("--schema, --schema-multi and -x need a prompt (the chat takes none)",
                                exit_code=EXIT_USAGE)
            raise typer.Exit(
                open_repl(settings, history, sid, model=model, api_base=api_base, agent=named, tools=tools)
            )
        text = piped.rstrip("\n")
    else:
        text = build_prompt(prompt)

    from appam_cli.agent.backend_choice import start_backend
    from appam_cli.agent.session_turn import TurnSpec
    from appam_cli.agent.spending import Allowance
    from appam_cli.cli.turn_view import Presentation, run_turn_cli

    backend = start_backend(settings, model=model, debug=debug_enabled(debug), notice=debug_notice)
    code = run_turn_cli(
        settings,
        history,
        TurnSpec(  # no -m: the session's own model (and API base)
            model=model,
            api_base=api_base,
            agent=named,
            tools=tools,
        ),
        Allowance(max_cost_usd=max_cost, force=force),
        text,
        Presentation(raw=raw, json_output=json_output, show_usage=usage, extract=extract, schema=wanted),
        session_id=sid,
        backend=backend,
    )
    raise typer.Exit(code)


def resolve_session(history, ref: str | None, *, lone: bool) -> str:
    """The session to continue. A lone argument that matches nothing may have been meant as a prompt."""
    from appam_cli.store.history import UnknownSession

    try:
        return history.resolve_id(ref or "last")
    except UnknownSession as exc:
        if ref is None or ref.strip() == "last":
            raise UserError(f'{exc.message}: start one with appam run "PROMPT"') from None
        if lone:
            raise UserError(
                f"{exc.message}; to continue the most recent session with a prompt, use: "
                f"appam run -c {_double_quoted(ref)}"
            ) from None
        raise


def _double_quoted(text: str) -> str:
    escaped = "".join("\\" + c if c in '"\\$`' else c for c in text)
    return f'"{escaped}"'


def open_repl(
    settings, history, session_id: str, *, model: str | None, api_base: str | None = None, agent=None, tools=None
) -> int:
    """The chat REPL on ``session_id`` (appam_cli/repl/); returns the exit code."""
    from appam_cli.repl import ChatOptions, run_repl

    options = ChatOptions(api_base=api_base)
    if agent is not None:
        options.agent = agent
    if tools is not None:
        options.tools = tools
    return run_repl(settings, history, session_id=session_id, model=model, options=options)
