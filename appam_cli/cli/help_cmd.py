"""``appam help [COMMAND...]``: the help of appam or of a command (a habit from git and llm), so that
``appam help`` is never sent to a model as a prompt. Not listed: ``--help`` is the documented way."""

from __future__ import annotations

import typer

from appam_cli.cli.errors import handle_errors


@handle_errors
def help_command(
    ctx: typer.Context,
    words: list[str] | None = typer.Argument(None, metavar="COMMAND", show_default=False),
) -> None:
    """Show the help of appam, or of COMMAND (e.g. appam help sessions list)."""
    from appam_cli.errors import EXIT_USAGE, UserError

    where = ctx.parent if ctx.parent is not None else ctx
    command = where.command
    for word in words or []:
        sub = command.get_command(where, word) if hasattr(command, "get_command") else None
        if sub is None:
            raise UserError(f"no command {word!r} in `{where.command_path}`", exit_code=EXIT_USAGE)
        where = sub.context_class(sub, info_name=word, parent=where)
        command = sub
    typer.echo(where.get_help())
