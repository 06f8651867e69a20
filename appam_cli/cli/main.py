"""Entry point of the ``appam`` console script."""

from __future__ import annotations


def run() -> None:
    from appam_cli.cli.app import app

    app()
