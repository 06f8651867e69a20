"""The Typer application: global options and the command groups.

Each command lives in its own module and imports what it needs inside its body,
so ``appam --help`` and tab completion stay fast.
"""

from __future__ import annotations

import typer

from appam_cli import __version__
from appam_cli.cli.group import AppamGroup

HELP = """Chat with large language models from the terminal; every conversation is saved.

A first argument that is not a command is a prompt: `appam "why is the sky blue?"` is
`appam run "why is the sky blue?"`, with every option of run (`appam -m gpt-4o "hi"`,
`echo x | appam "explain"`). Commands come first: send a prompt that starts with a command's
name with `appam run`, and one that starts with `-` after `--` (`appam -- "-5 degrees in F?"`).
A first word that looks like a mistyped command (`appam sesions list`) is refused, never sent."""

app = typer.Typer(
    name="appam",
    cls=AppamGroup,
    subcommand_metavar="COMMAND [ARGS]... | [RUN OPTIONS] PROMPT...",
    help=HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"appam {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool | None = typer.Option(
        None, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """The group's own options (its help is the app's)."""


def _register() -> None:
    from appam_cli.cli import (
        agents_cmd,
        chat_cmd,
        completion_cmd,
        config_cmd,
        continue_cmd,
        help_cmd,
        last_cmd,
        models_cmd,
        run_cmd,
        sessions_cmd,
        tools_cmd,
        transfer_cmd,
        usage_cmd,
        worker_cmd,
    )

    app.command("run")(run_cmd.run)
    app.command("chat")(chat_cmd.chat)
    app.command("continue")(continue_cmd.continue_session)
    app.command("last")(last_cmd.last)
    transfer_cmd.register(sessions_cmd.sessions_app)  # sessions export / import
    app.add_typer(sessions_cmd.sessions_app, name="sessions")
    app.command("usage")(usage_cmd.usage)
    app.command("models")(models_cmd.models)
    app.add_typer(worker_cmd.worker_app, name="worker")
    app.add_typer(agents_cmd.agents_app, name="agents")
    app.add_typer(tools_cmd.tools_app, name="tools")
    app.command("completion")(completion_cmd.completion)
    app.add_typer(config_cmd.config_app, name="config")
    app.command("help", hidden=True)(help_cmd.help_command)


_register()
