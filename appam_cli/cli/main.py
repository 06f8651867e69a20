"""Entry point of the ``appam`` console script."""

from __future__ import annotations

import os


def run() -> None:
    from appam_cli.cli.app import app
    from appam_cli.cli.completion import COMPLETE_VAR

    if os.environ.get(COMPLETE_VAR):  # a Tab press of the completion scripts
        import typer

        from appam_cli.cli.completion import use_plain_descriptions

        command = typer.main.get_command(app)
        use_plain_descriptions()
        command()
        return
    app()
