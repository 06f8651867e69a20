"""What the chat prints between turns: notices (dim), warnings, errors, tables.

Notices, warnings and errors go to stderr (as in ``appam run``); tables and
command output go to stdout. Rich is imported on first use, not at start-up.
"""

from __future__ import annotations

from typing import Any

from appam_cli.render.environment import environment


def console() -> Any:
    return environment().console()


def notice(text: str) -> None:
    environment().notice(text)


def warn(text: str) -> None:
    environment().warn(text)


def error(text: str) -> None:
    environment().error(text)


def show(renderable: Any) -> None:
    """On stdout; on a terminal, text is broken between words at the screen's width."""
    console().print(renderable, soft_wrap=not environment().stdout_isatty)


def lines(rows: list[tuple[str, str]]) -> None:
    """Aligned ``key  value`` lines on stdout."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, value in rows:
        table.add_row(key, Text(value))
    show(table)
