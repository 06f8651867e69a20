"""``appam chat``: the interactive chat REPL (appam_cli/repl/)."""

from __future__ import annotations

import typer

from appam_cli.cli import complete, options
from appam_cli.cli.errors import handle_errors


@handle_errors
def chat(
    model: str | None = options.MODEL,
    system: str | None = options.SYSTEM,
    continue_last: bool = typer.Option(False, "--continue", "-c", help="Reopen the most recent session."),
    session_id: str | None = typer.Option(
        None,
        "--session",
        metavar="ID",
        help="Reopen this session (id, unique prefix, or `last`).",
        autocompletion=complete.session_ids,
    ),
    api_base: str | None = options.API_BASE,
    temperature: float | None = options.TEMPERATURE,
    max_tokens: int | None = options.MAX_TOKENS,
    reasoning_effort: str | None = options.REASONING_EFFORT,
    agent: str | None = options.AGENT,
    timeout: float | None = options.TIMEOUT,
    retries: int | None = options.RETRIES,
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD", help="Stop answering once this chat would cost more than USD."
    ),
    force: bool = options.FORCE,
    no_save: bool = typer.Option(False, "--no-save", help="Keep this chat out of the session store."),
    raw: bool = options.RAW,
    no_reasoning: bool = typer.Option(
        False, "--no-reasoning", help="Hide the model's reasoning (/reasoning on shows it)."
    ),
    tool: list[str] | None = options.TOOL,
    tools_file: list[str] | None = options.TOOLS_FILE,
    allow_path: list[str] | None = options.ALLOW_PATH,
    yes: bool = options.YES,
    max_steps: int | None = options.MAX_STEPS,
    tool_timeout: float = options.TOOL_TIMEOUT,
    verbose: bool = options.VERBOSE,
    debug: bool = options.DEBUG,
) -> None:
    """Chat interactively; every exchange is saved the moment it completes.

    Enter sends, Esc-Enter inserts a new line, /help lists the commands, Ctrl-C
    cancels an answer, Ctrl-D leaves. With stdin not a terminal, each input line
    is one turn and the answers are printed plain.
    """
    from appam_cli.cli.context import agent_settings, choose_agent_for, open_history, request_flags
    from appam_cli.config import load_settings
    from appam_cli.errors import EXIT_USAGE, UserError
    from appam_cli.repl import ChatOptions, run_repl

    if continue_last and session_id:
        raise UserError("use either -c/--continue or --session ID, not both", exit_code=EXIT_USAGE)
    flags = request_flags(api_base, temperature, max_tokens, timeout, retries, reasoning_effort=reasoning_effort)
    base = load_settings()
    history = open_history(base, enabled=not no_save, writing=True)
    ref = "last" if continue_last else session_id
    sid = open_history(base).resolve_id(ref) if ref else None
    named = choose_agent_for(base, agent, sid)  # --agent, else the reopened session's own agent
    settings = agent_settings(base, named, flags)
    chat_options = ChatOptions(
        model=model or named.model,
        system=system,
        raw=raw,
        save=not no_save,
        show_reasoning=not no_reasoning,
        max_cost_usd=max_cost,
        force=force,
        debug=debug,
        api_base=api_base,
        agent=named,
        tools=options.tool_options(tool, tools_file, allow_path, yes, max_steps, tool_timeout, verbose, agent=named),
    )
    raise typer.Exit(run_repl(settings, history, session_id=sid, options=chat_options))
