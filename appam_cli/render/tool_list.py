"""The table of ``appam tools list``: name, source, side effects, the description's first sentence."""

from __future__ import annotations

from typing import Any

from appam_cli.render.environment import environment
from appam_cli.render.safe_text import safe_text


def summary(description: str) -> str:
    """The first sentence (or line) of a description."""
    first = description.strip().split("\n", 1)[0]
    end = first.find(". ")
    return first[: end + 1] if end >= 0 else first


def print_tools(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    console = environment().table_console(highlight=False)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("side effects", no_wrap=True)
    table.add_column("description", overflow="fold")
    for row in rows:
        table.add_row(
            Text(safe_text(row["name"])),
            Text(safe_text(row["source"])),
            ("yes (auto-approved)" if row.get("auto_approved") else "yes (asks)") if row["side_effects"] else "no",
            Text(safe_text(summary(row["description"]))),
        )
    console.print(table)
    asks = sum(1 for row in rows if row["side_effects"])
    console.print(
        f"[dim]{len(rows)} tool{'' if len(rows) == 1 else 's'} · enable with -T NAME · "
        f"{asks} with side effects run only when approved (asked, --yes, or \\[tools] auto_approve)[/]"
    )
