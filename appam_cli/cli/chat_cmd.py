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
    debug: bool = options.DEBUG,
) -> None:
    """Chat interactively; every exchange is saved the moment it completes.

    Enter sends, Esc-Enter inserts a new line, /help lists the commands, Ctrl-C
    cancels an answer, Ctrl-D leaves. With stdin not a terminal, each input line
    is one turn and the answers are printed plain.
    """
    from appam_cli.cli.context import open_history, request_settings
    from appam_cli.errors import EXIT_USAGE, UserError
    from appam_cli.repl import ChatOptions, run_repl

    if continue_last and session_id:
        raise UserError("use either -c/--continue or --session ID, not both", exit_code=EXIT_USAGE)
    settings = request_settings(api_base, temperature, max_tokens, timeout, retries)
    history = open_history(settings, enabled=not no_save, writing=True)
    options = ChatOptions(
        model=model,
        system=system,
        raw=raw,
        save=not no_save,
        show_reasoning=not no_reasoning,
        max_cost_usd=max_cost,
        force=force,
        debug=debug,
        api_base=api_base,
    )
    ref = "last" if continue_last else session_id
    raise typer.Exit(run_repl(settings, history, session_id=ref, options=options))
