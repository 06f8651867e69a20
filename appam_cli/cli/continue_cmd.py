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
    prompt: str | None = typer.Argument(
        None, help="The prompt. `-` reads it from stdin. Without one, the session opens in the chat REPL."
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Switch to this model [default: the session's].", autocompletion=complete.models
    ),
    api_base: str | None = options.API_BASE,
    temperature: float | None = options.TEMPERATURE,
    max_tokens: int | None = options.MAX_TOKENS,
    timeout: float | None = options.TIMEOUT,
    retries: int | None = options.RETRIES,
    no_stream: bool = options.NO_STREAM,
    raw: bool = options.RAW,
    json_output: bool = options.JSON,
    usage: bool = options.USAGE,
    max_cost: float | None = typer.Option(
        None, "--max-cost", min=0.0, metavar="USD", help="Stop (exit 5) when this turn would cost more than USD."
    ),
    force: bool = options.FORCE,
    debug: bool = options.DEBUG,
) -> None:
    """Continue a session: one more prompt (or the chat REPL)."""
    from appam_cli.agent.busy import refuse_if_busy
    from appam_cli.cli.context import open_history, request_settings
    from appam_cli.cli.stdin import build_prompt, piped_stdin

    settings = request_settings(api_base, temperature, max_tokens, timeout, retries, no_stream)
    history = open_history(settings, writing=True)
    sid = resolve_session(history, session_id, lone=prompt is None)
    refuse_if_busy(history, sid)
    if prompt is None:
        piped = piped_stdin()
        if not (piped and piped.strip()):
            raise typer.Exit(open_repl(settings, history, sid, model=model, api_base=api_base))
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
        TurnSpec(model=model, api_base=api_base),  # no -m: the session's own model (and API base)
        Allowance(max_cost_usd=max_cost, force=force),
        text,
        Presentation(raw=raw, json_output=json_output, show_usage=usage),
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


def open_repl(settings, history, session_id: str, *, model: str | None, api_base: str | None = None) -> int:
    """The chat REPL on ``session_id`` (appam_cli/repl/); returns the exit code."""
    from appam_cli.repl import ChatOptions, run_repl

    return run_repl(settings, history, session_id=session_id, model=model, options=ChatOptions(api_base=api_base))
