"""``appam last [ID]``: the most recent answer as plain text, for pipes (``-x``: its code blocks only).

Reads the store only: no model, no litellm.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete, options
from appam_cli.cli.errors import handle_errors


@handle_errors
def last(
    session_id: str | None = typer.Argument(
        None,
        metavar="ID",
        help="Session id, a unique prefix of it (4+ characters), or `last` [default: the most recent].",
        show_default=False,
        autocompletion=complete.session_ids,
    ),
    extract: bool = options.EXTRACT,
) -> None:
    """Print the most recent answer as plain text (for pipes); -x prints only its code blocks."""
    from appam_cli.cli.context import open_history, settings_with
    from appam_cli.cli.turn_view import NO_CODE_BLOCK, print_extract
    from appam_cli.errors import UserError
    from appam_cli.render.environment import environment, is_terminal
    from appam_cli.store.history import UnknownSession

    history = open_history(settings_with())
    try:
        sid = history.resolve_id(session_id or "last")
    except UnknownSession as exc:
        if session_id is None:
            raise UserError('no answers yet: ask with appam "PROMPT"') from None
        raise UserError(exc.message) from None
    session = history.load_session(sid)
    answer = next(
        (m for m in reversed(session.messages if session else []) if m.role == "assistant" and m.content),
        None,
    )
    if answer is None:
        raise UserError(f"session {sid[:8]} holds no answer")
    env = environment()
    if answer.status != "completed":
        env.warn(f"the last answer of session {sid[:8]} was cut off (incomplete)")
    out = env.stdout
    if extract:
        if not print_extract(answer.content, out):
            raise UserError(NO_CODE_BLOCK.replace(" (appam last prints it whole)", ""))
        return
    text = answer.content or ""
    text = text if text.endswith("\n") else text + "\n"
    if is_terminal(out):
        from appam_cli.render.safe_text import safe_text

        text = safe_text(text)
    out.write(text)
    out.flush()
