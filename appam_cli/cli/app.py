"""The Typer application: global options and the command groups.

Each command lives in its own module and imports what it needs inside its body,
so ``appam --help`` and tab completion stay fast.
"""

from __future__ import annotations

import typer

from appam_cli import __version__

app = typer.Typer(
    name="appam",
    help="Chat with large language models from the terminal; every conversation is saved.",
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
    """Chat with large language models from the terminal; every conversation is saved."""


def _register() -> None:
    from appam_cli.cli import (
        chat_cmd,
        completion_cmd,
        config_cmd,
        continue_cmd,
        models_cmd,
        run_cmd,
        sessions_cmd,
        transfer_cmd,
        usage_cmd,
        worker_cmd,
    )

    app.command("run")(run_cmd.run)
    app.command("chat")(chat_cmd.chat)
    app.command("continue")(continue_cmd.continue_session)
    transfer_cmd.register(sessions_cmd.sessions_app)  # sessions export / import
    app.add_typer(sessions_cmd.sessions_app, name="sessions")
    app.command("usage")(usage_cmd.usage)
    app.command("models")(models_cmd.models)
    app.add_typer(worker_cmd.worker_app, name="worker")
    app.command("completion")(completion_cmd.completion)
    app.add_typer(config_cmd.config_app, name="config")


_register()
