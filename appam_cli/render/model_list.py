"""The table of ``appam models``: config's aliases, then provider, context window and prices per
million tokens of each model.

Every price of a table is written the same way: a dollar sign and the same number of decimals (the
fewest, from 2 to 4, that show every price of the table exactly), so the decimal points line up.
A model's name is never wrapped, folded or cut: on a narrow terminal the least useful columns go
first, and when the longest names still do not fit beside the prices, such a name goes on a line
of its own with its figures below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from appam_cli.datamodel.model_info import ModelInfo

PRICE_KEYS = ("input", "output", "cache_read", "cache_write")
MIN_DECIMALS, MAX_DECIMALS = 2, 4
# Dropped in this order when the table is wider than the terminal (never the name or the prices
# of input and output).
OPTIONAL_COLUMNS = ("cache wr", "cache rd", "max out", "mode", "context", "provider")


def price_decimals(values: Iterable[float | None]) -> int:
    """The fewest decimals (2 to 4) that write every one of ``values`` exactly (to 4 places)."""
    decimals = MIN_DECIMALS
    for value in values:
        if value is None:
            continue
        while decimals < MAX_DECIMALS and round(value, decimals) != round(value, MAX_DECIMALS):
            decimals += 1
    return decimals


def money(value: float | None, decimals: int) -> str:
    """``$2.50``, ``$0.0750`` (decimals=4), ``-`` for no price, ``<$0.0001`` below the last decimal."""
    if value is None:
        return "-"
    if 0 < value < 0.5 * 10**-decimals:
        return f"<${10**-decimals:.{decimals}f}"
    return f"${value:,.{decimals}f}"


def tokens(value: int | None) -> str:
    if not value:
        return "-"
    if value >= 1_000_000 and value % 1_000_000 == 0:
        return f"{value // 1_000_000}M"
    if value >= 1000 and value % 1000 == 0:
        return f"{value // 1000}k"
    return f"{value:,}"


def _litellm_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litellm")
    except PackageNotFoundError:
        return "?"


def print_aliases(console: Console, aliases: list[tuple[str, str]]) -> None:
    """Config's aliases, before the price map's models: ``fast  groq/llama-3.3-70b-versatile``."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("alias", style="cyan", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for name, model in aliases:
        table.add_row(Text(name), Text(model))
    screen = console.width
    _fit(console, table)
    console.print(table)
    console.width = screen
    console.print(f"[dim]{len(aliases)} alias{'' if len(aliases) == 1 else 'es'} from config.toml (-m ALIAS)[/]\n")


def _rows(found: list[ModelInfo], every: bool) -> tuple[tuple[str, ...], list[list[str]]]:
    per_m = [m.price.to_per_million() if m.price else {} for m in found]
    decimals = price_decimals(p.get(key) for p in per_m for key in PRICE_KEYS)
    headers = ("model", "provider") + (("mode",) if every else ()) + (
        "context", "max out", "input", "output", "cache rd", "cache wr"
    )
    rows = []
    for m, prices in zip(found, per_m, strict=True):
        rows.append(
            [m.model, m.provider or "-"]
            + ([m.mode or "-"] if every else [])
            + [tokens(m.context_window), tokens(m.max_output_tokens)]
            + [money(prices.get(key), decimals) for key in PRICE_KEYS]
        )
    return headers, rows


def _table(headers: tuple[str, ...], rows: list[list[str]], keep: set[str]) -> Table:
    from rich.table import Table
    from rich.text import Text

    columns = [i for i, name in enumerate(headers) if name in keep]
    table = Table(box=None, header_style="bold", pad_edge=False)
    for i in columns:
        name = headers[i]
        if i == 0:
            table.add_column(name, style="cyan", no_wrap=True)
        elif name in ("provider", "mode"):
            table.add_column(name, no_wrap=True)
        else:
            table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*(Text(row[i]) for i in columns))
    return table


def _natural_width(console: Console, table: Table) -> int:
    return console.measure(table, options=console.options.update_width(100_000)).maximum


def _fit(console: Console, table: Table) -> None:
    """Widen the console to the table's natural width when the screen is narrower (no cell is
    ever wrapped: a terminal wraps the whole line, a pager or a pipe keeps it)."""
    console.width = max(console.width, _natural_width(console, table))


def _print_stacked(console: Console, headers: tuple[str, ...], rows: list[list[str]], keep: set[str]) -> None:
    """The table when even its last columns leave no room for the longest names: a name that does
    not fit beside the figures goes on a line of its own, whole, and its figures on the next line
    under their headers; every line fits (unless a name alone is wider than the screen)."""
    from rich.text import Text

    shown = [i for i, name in enumerate(headers) if name in keep and i > 0]
    widths = {i: max(len(headers[i]), *(len(row[i]) for row in rows)) for i in shown}
    figures = sum(widths.values()) + 2 * len(shown)
    name_width = max(len(headers[0]), console.width - figures)

    def line(name: str, cells: list[str], style: str) -> Text:
        text = Text(name.ljust(name_width), style=style)
        for i, cell in zip(shown, cells, strict=True):
            text.append("  " + (cell.ljust(widths[i]) if headers[i] in ("provider", "mode") else cell.rjust(widths[i])))
        return text

    console.print(line(headers[0], [headers[i] for i in shown], "bold"), no_wrap=True, overflow="ignore", crop=False)
    for row in rows:
        cells = [row[i] for i in shown]
        if len(row[0]) > name_width:
            console.print(Text(row[0], style="cyan"), no_wrap=True, overflow="ignore", crop=False)
            console.print(line("", cells, ""), no_wrap=True, overflow="ignore", crop=False)
        else:
            text = line("", cells, "")
            text = Text(row[0].ljust(name_width), style="cyan") + text[name_width:]
            console.print(text, no_wrap=True, overflow="ignore", crop=False)


def print_models(
    console: Console,
    found: list[ModelInfo],
    *,
    search: str | None,
    provider: str | None,
    every: bool = False,
    others: int = 0,
    fit_screen: bool = True,
) -> None:
    """The models table and its footer. ``others``: models the search matched among the
    non-chat entries (shown with --all). ``fit_screen``: drop optional columns until the table
    fits ``console.width`` (a terminal); otherwise every column is shown."""
    if not found:
        what = " ".join(f"{k} {v!r}" for k, v in (("matching", search), ("from provider", provider)) if v)
        kind = "models" if every else "chat models"
        line = f"No {kind} {what} in litellm's price map." if what else f"No {kind} in litellm's price map."
        if others:
            line += f" {others} other model{'' if others == 1 else 's'} match: --all shows them."
        console.print(line)
        return
    headers, rows = _rows(found, every)
    keep = set(headers)
    table = _table(headers, rows, keep)
    if fit_screen:
        for column in OPTIONAL_COLUMNS:
            if _natural_width(console, table) <= console.width:
                break
            if column in keep:
                keep.discard(column)
                table = _table(headers, rows, keep)
    if fit_screen and _natural_width(console, table) > console.width:
        _print_stacked(console, headers, rows, keep)  # names too long for the screen: on lines of their own
    else:
        _fit(console, table)
        console.print(table)
    hidden = [name for name in headers if name not in keep]
    console.print(
        f"[dim]{len(found)} {'' if every else 'chat '}model{'' if len(found) == 1 else 's'} · "
        f"prices in USD per million tokens · litellm {_litellm_version()}'s price map (read offline)"
        + (f" · a wider window shows {', '.join(hidden)}" if hidden else "")
        + ("" if every else " · --all: every model")
        + "[/]"
    )
