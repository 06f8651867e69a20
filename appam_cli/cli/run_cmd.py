"""``appam run``: one prompt, streamed, saved as a Session."""

from __future__ import annotations

from typing import Optional

import typer

from appam_cli.cli.errors import handle_errors


@handle_errors
def run(
    prompt: Optional[str] = typer.Argument(
        None, help="The prompt. `-` reads it from stdin; piped text is appended after a blank line."
    ),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Any litellm model name, e.g. gpt-4o-mini."),
    system: Optional[str] = typer.Option(None, "--system", "-s", help="System prompt."),
    continue_last: bool = typer.Option(False, "--continue", "-c", help="Continue the most recent session."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server."),
    temperature: Optional[float] = typer.Option(None, "--temperature", min=0.0, max=2.0, help="Sampling temperature."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=1, help="Cap on the answer's tokens."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=0.1, help="Seconds per request [default: 600]."),
    retries: Optional[int] = typer.Option(
        None, "--retries", min=0, help="Retries on 429/5xx/network errors before the answer starts [default: 3]."
    ),
    no_stream: bool = typer.Option(False, "--no-stream", help="Wait for the whole answer, then print it."),
    raw: bool = typer.Option(False, "--raw", help="Plain text as it arrives, no Markdown rendering."),
    json_output: bool = typer.Option(False, "--json", help="Print only the saved Session as JSON."),
    no_save: bool = typer.Option(False, "--no-save", help="Do not save this exchange."),
    usage: bool = typer.Option(False, "--usage", help="After the answer, print the detailed token and cost breakdown."),
    max_cost: Optional[float] = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD",
        help="Stop (exit 5) when this run would cost more than USD; checked before the request and while streaming.",
    ),
    force: bool = typer.Option(False, "--force", help="Run even when a [budget] in config.toml is used up."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
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
