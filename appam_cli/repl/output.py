"""What the chat prints between turns: notices (dim), warnings, errors, tables.

Notices, warnings and errors go to stderr (as in ``appam run``); tables and
command output go to stdout. Rich is imported on first use, not at start-up.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=2)
def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def notice(text: str) -> None:
    from rich.markup import escape

    console(True).print(f"[dim]{escape(text)}[/]")


def warn(text: str) -> None:
    from rich.markup import escape

    console(True).print(f"[bold yellow]appam:[/] {escape(text)}")


def error(text: str) -> None:
    from rich.markup import escape

    console(True).print(f"[bold red]appam:[/] {escape(text)}")


def show(renderable) -> None:
    console(False).print(renderable)


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
