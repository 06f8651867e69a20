"""``appam run``: one prompt, streamed, saved as a Session."""

from __future__ import annotations

import typer

from appam_cli.cli import options
from appam_cli.cli.errors import debug_enabled, debug_notice, handle_errors


@handle_errors
def run(
    prompt: str | None = typer.Argument(
        None, help="The prompt. `-` reads it from stdin; piped text is appended after a blank line."
    ),
    model: str | None = options.MODEL,
    system: str | None = options.SYSTEM,
    continue_last: bool = typer.Option(False, "--continue", "-c", help="Continue the most recent session."),
    api_base: str | None = options.API_BASE,
    temperature: float | None = options.TEMPERATURE,
    max_tokens: int | None = options.MAX_TOKENS,
    timeout: float | None = options.TIMEOUT,
    retries: int | None = options.RETRIES,
    no_stream: bool = options.NO_STREAM,
    raw: bool = options.RAW,
    json_output: bool = options.JSON,
    no_save: bool = typer.Option(False, "--no-save", help="Do not save this exchange."),
    usage: bool = options.USAGE,
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD",
        help="Stop (exit 5) when this run would cost more than USD; checked before the request and while streaming.",
    ),
    force: bool = options.FORCE,
    tool: list[str] | None = options.TOOL,
    tools_file: list[str] | None = options.TOOLS_FILE,
    allow_path: list[str] | None = options.ALLOW_PATH,
    yes: bool = options.YES,
    max_steps: int = options.MAX_STEPS,
    tool_timeout: float = options.TOOL_TIMEOUT,
    verbose: bool = options.VERBOSE,
    debug: bool = options.DEBUG,
) -> None:
    """Send a prompt and stream the answer; the exchange is saved as a session."""
    from appam_cli.agent.backend_choice import start_backend
    from appam_cli.agent.session_turn import TurnSpec
    from appam_cli.agent.spending import Allowance
    from appam_cli.cli.context import open_history, request_settings
    from appam_cli.cli.stdin import build_prompt
    from appam_cli.cli.turn_view import Presentation, run_turn_cli

    settings = request_settings(api_base, temperature, max_tokens, timeout, retries, no_stream)
    # The worker connects (or litellm loads, ~3 s) while we read stdin and the store.
    backend = start_backend(settings, model=model, debug=debug_enabled(debug), notice=debug_notice)
    text = build_prompt(prompt)
    history = open_history(settings, enabled=not no_save, writing=True)
    session_id = open_history(settings).resolve_id("last") if continue_last else None
    if session_id is not None:
        from appam_cli.agent.busy import refuse_if_busy

        refuse_if_busy(history, session_id)  # as `continue` does: one turn at a time on a session
    code = run_turn_cli(
        settings,
        history,
        # Continuing keeps the session's own model unless -m names another.
        TurnSpec(
            model=model,
            system=system,
            save=not no_save,
            api_base=api_base,
            tools=options.tool_options(tool, tools_file, allow_path, yes, max_steps, tool_timeout, verbose),
        ),
        Allowance(max_cost_usd=max_cost, force=force),
        text,
        Presentation(raw=raw, json_output=json_output, show_usage=usage),
        session_id=session_id,
        backend=backend,
    )
    raise typer.Exit(code)
