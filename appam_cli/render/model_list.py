"""The table of ``appam models``: provider, context window and prices per million tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from appam_cli.render.columns import Column, fit, left_out_note, print_table
from appam_cli.render.environment import environment

if TYPE_CHECKING:
    from appam_cli.datamodel.model_info import ModelInfo


def per_million(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "$0"
    return f"${value:.2f}" if value >= 0.1 and round(value, 2) == round(value, 6) else f"${value:.4g}"


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


def print_aliases(aliases: list[tuple[str, str]]) -> None:
    """Config's aliases, before the price map's models: ``fast  groq/llama-3.3-70b-versatile``."""
    from rich.table import Table
    from rich.text import Text

    console = environment().table_console(highlight=False)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("alias", style="cyan", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for name, model in aliases:
        table.add_row(Text(name), Text(model))
    console.print(table)
    console.print(f"[dim]{len(aliases)} alias{'' if len(aliases) == 1 else 'es'} from config.toml (-m ALIAS)[/]\n")


def print_models(found: list[ModelInfo], *, search: str | None, provider: str | None) -> None:
    from rich.text import Text

    console = environment().table_console(highlight=False)
    if not found:
        what = " ".join(f"{k} {v!r}" for k, v in (("matching", search), ("from provider", provider)) if v)
        console.print(f"No chat models {what} in litellm's price map." if what else "No models in litellm's price map.")
        return
    rows = []
    for m in found:
        per_m = m.price.to_per_million() if m.price else {}
        rows.append([
            m.model,
            m.provider,
            tokens(m.context_window),
            tokens(m.max_output_tokens),
            per_million(per_m.get("input")),
            per_million(per_m.get("output")),
            per_million(per_m.get("cache_read")),
            per_million(per_m.get("cache_write")),
        ])
    def column(i: int, header: str, drop: int | None) -> Column:
        return Column(header, [r[i] for r in rows], justify="right", drop=drop)

    longest = max(len("model"), *(len(r[0]) for r in rows))
    columns = [
        # the model name folds on a narrow screen (it is copied whole); the figures never shrink
        Column("model", [Text(r[0]) for r in rows], style="cyan", flex=True, overflow="fold",
               min_width=min(longest, 16), preferred=min(longest, 24)),
        Column("provider", [r[1] for r in rows], flex=True, min_width=6, max_width=12, drop=6),
        column(2, "context", 3), column(3, "max out", 4),
        column(4, "input", None), column(5, "output", None),
        column(6, "cache rd", 5), column(7, "cache wr", 5),
    ]
    fitted = fit(columns, console.width)
    print_table(console, fitted)
    note = left_out_note(fitted, "a wider window or --json shows them")
    if note:
        console.print(Text(note, style="dim"))
    console.print(
        f"[dim]{len(found)} model{'' if len(found) == 1 else 's'} · "
        "prices in USD per million tokens (input, output, cache read, cache write) · "
        f"from the price map bundled with litellm {_litellm_version()} (read offline)[/]"
    )
