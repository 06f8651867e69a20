"""``appam run``: one prompt, streamed, saved as a Session."""

from __future__ import annotations

from typing import Optional

import typer

from appam_cli.cli import options
from appam_cli.cli.errors import handle_errors


@handle_errors
def run(
    prompt: Optional[str] = typer.Argument(
        None, help="The prompt. `-` reads it from stdin; piped text is appended after a blank line."
    ),
    model: Optional[str] = options.MODEL,
    system: Optional[str] = options.SYSTEM,
    continue_last: bool = typer.Option(False, "--continue", "-c", help="Continue the most recent session."),
    api_base: Optional[str] = options.API_BASE,
    temperature: Optional[float] = options.TEMPERATURE,
    max_tokens: Optional[int] = options.MAX_TOKENS,
    timeout: Optional[float] = options.TIMEOUT,
    retries: Optional[int] = options.RETRIES,
    no_stream: bool = options.NO_STREAM,
    raw: bool = options.RAW,
    json_output: bool = options.JSON,
    no_save: bool = typer.Option(False, "--no-save", help="Do not save this exchange."),
    usage: bool = options.USAGE,
    max_cost: Optional[float] = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD",
        help="Stop (exit 5) when this run would cost more than USD; checked before the request and while streaming.",
    ),
    force: bool = options.FORCE,
    debug: bool = options.DEBUG,
) -> None:
    """Send a prompt and stream the answer; the exchange is saved as a session."""
    from appam_cli.providers.loader import preload_in_background

    preload_in_background()  # litellm loads (~3 s) while we read stdin, config and the store
    from appam_cli.cli.context import open_history, resolve_model, settings_with
    from appam_cli.cli.stdin import build_prompt
    from appam_cli.cli.turn_view import TurnOptions, run_turn_cli

    text = build_prompt(prompt)
    settings = settings_with(model=model, api_base=api_base, timeout=timeout, retries=retries)
    history = open_history(settings, enabled=not no_save)
    session_id = open_history(settings).resolve_id("last") if continue_last else None
    code = run_turn_cli(
        settings,
        history,
        TurnOptions(
            prompt=text,
            # Continuing keeps the session's own model unless -m names another.
            model=model if continue_last else resolve_model(settings),
            system=system,
            session_id=session_id,
            temperature=temperature,
            max_tokens=max_tokens,
            stream=not no_stream,
            raw=raw,
            json_output=json_output,
            save=not no_save,
            max_cost_usd=max_cost,
            force=force,
            show_usage=usage,
        ),
    )
    raise typer.Exit(code)
