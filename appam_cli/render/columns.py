"""Tables that fit the screen: columns chosen by priority for the width, numbers never cut.

Every table appam prints (usage, sessions list, models) is a list of `Column`s, each with
its cells already written out, and `fit` decides what a screen of a given width shows.
Until the table fits, in this order:

1. text columns (``flex``: a title, a label, a model name) give way down to their
   ``preferred`` width;
2. number columns that have a ``short`` form (``12.3k`` for ``12,345``) switch to it;
3. whole columns leave, the highest ``drop`` first (``drop=None``: never leaves);
4. text columns give way down to their ``min_width``.

A number is shown whole or not at all: it is never cut with an ellipsis. What left is
named (`Fitted.left_out`) so the table can say so. Pure layout: Rich only builds the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

GAP = 2  # cells between two columns (Rich's padding of one on each side, none at the edges)


def cell_width(cell: Any) -> int:
    from rich.cells import cell_len

    return cell.cell_len if hasattr(cell, "cell_len") else cell_len(str(cell))


@dataclass
class Column:
    header: str
    cells: list[Any]  # str or rich Text, one per row (totals row included)
    justify: str = "left"
    drop: int | None = None  # the order of leaving when the screen is narrow: highest first; None: stays
    flex: bool = False  # text that may be shortened (cut with "…", or folded with overflow="fold")
    min_width: int = 8  # flex: the narrowest it gets
    preferred: int | None = None  # flex: the width it gives way to before any column leaves
    max_width: int | None = None  # flex: never wider than this
    short: list[Any] | None = None  # the same values written shorter and still true (12.3k), if any
    short_header: str | None = None  # the header that goes with the short cells
    style: str | None = None
    overflow: str = "ellipsis"  # flex: "ellipsis" or "fold"
    telling: bool = True  # False: says nothing here (every row the same default): leaves unmentioned
    shortened: bool = field(default=False, init=False)
    width: int = field(default=0, init=False)  # what `fit` chose

    def shown_cells(self) -> list[Any]:
        return self.short if self.shortened and self.short is not None else self.cells

    def shown_header(self) -> str:
        return (self.short_header or self.header) if self.shortened else self.header

    def natural(self) -> int:
        width = max(cell_width(self.shown_header()), *(cell_width(c) for c in self.shown_cells()), 1)
        if self.flex and self.max_width:
            width = min(width, max(self.max_width, self.min_width))
        return width

    def floor(self, stage: str) -> int:
        """The narrowest this column is at a stage: "preferred" or "min" (flex only)."""
        natural = self.natural()
        if not self.flex:
            return natural
        low = self.min_width if stage == "min" else max(self.min_width, self.preferred or natural)
        return min(natural, low)


@dataclass
class Fitted:
    columns: list[Column]
    left_out: list[str]

    @property
    def total_width(self) -> int:
        return sum(c.width for c in self.columns) + GAP * max(0, len(self.columns) - 1)


def _width(columns: list[Column], stage: str) -> int:
    return sum(c.floor(stage) for c in columns) + GAP * max(0, len(columns) - 1)


def fit(columns: list[Column], width: int) -> Fitted:
    """The columns a screen ``width`` cells wide shows, and their widths."""
    shown = list(columns)
    for c in shown:
        c.shortened = False
    by_drop = sorted((c for c in shown if c.drop is not None), key=lambda c: -(c.drop or 0))
    if _width(shown, "preferred") > width:  # 2: short forms, least important column first
        for c in by_drop + [c for c in shown if c.drop is None]:
            if c.short is not None:
                c.shortened = True
                if _width(shown, "preferred") <= width:
                    break
    left_out: list[str] = []
    for c in by_drop:  # 3: whole columns leave
        if _width(shown, "preferred") <= width:
            break
        shown.remove(c)
        left_out += [c.header] if c.telling else []
    for c in by_drop:  # 4: text at its narrowest; still too wide: more columns leave
        if c not in shown or _width(shown, "min") <= width:
            continue
        shown.remove(c)
        left_out += [c.header] if c.telling else []
    for c in reversed([c for c in shown if c.shortened]):  # room again: whole numbers back
        c.shortened = False
        if _width(shown, "min") > width:
            c.shortened = True
    _size(shown, width)
    return Fitted(shown, left_out)


def _size(shown: list[Column], width: int) -> None:
    """Natural widths; then the widest text columns give way, one cell at a time, to the width."""
    for c in shown:
        c.width = c.natural()
    excess = sum(c.width for c in shown) + GAP * max(0, len(shown) - 1) - width
    flex = [c for c in shown if c.flex]
    while excess > 0:
        # the widest column above its preferred width gives first, then above its minimum
        candidates = [c for c in flex if c.width > c.floor("preferred")] or [
            c for c in flex if c.width > c.floor("min")
        ]
        if not candidates:
            return
        widest = max(candidates, key=lambda c: c.width)
        widest.width -= 1
        excess -= 1


def build_table(fitted: Fitted, *, total_row: bool = False, header_style: str = "bold") -> Table:
    """A borderless Rich table of the fitted columns (the last row bold when ``total_row``)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style=header_style, pad_edge=False)
    for c in fitted.columns:
        table.add_column(
            c.shown_header(),
            justify=c.justify,  # type: ignore[arg-type]
            style=c.style,
            width=c.width,
            no_wrap=not c.flex or c.overflow != "fold",
            overflow=(c.overflow if c.flex else "fold"),  # type: ignore[arg-type]
        )
    rows = list(zip(*(c.shown_cells() for c in fitted.columns), strict=True))
    for i, row in enumerate(rows):
        last = total_row and i == len(rows) - 1
        cells = [cell if isinstance(cell, Text) else Text(str(cell)) for cell in row]  # data, never markup
        table.add_row(*cells, style="bold" if last else None, end_section=total_row and i == len(rows) - 2)
    return table


def print_table(console, fitted: Fitted, *, total_row: bool = False) -> None:
    """Print the fitted table. On a screen narrower than even the columns that never leave,
    the lines run past the edge (the terminal wraps them) rather than cutting a figure."""
    table = build_table(fitted, total_row=total_row)
    if fitted.total_width <= console.width:
        console.print(table)
        return
    saved = console.__dict__.get("_width")  # Rich's print(width=) never goes past the screen
    console.width = fitted.total_width
    try:
        console.print(table)
    finally:
        console.__dict__["_width"] = saved


def left_out_note(fitted: Fitted, more: str = "a wider window shows them") -> str | None:
    """``not shown at this width: cache read, reasoning (a wider window shows them)``, or None."""
    if not fitted.left_out:
        return None
    return f"not shown at this width: {', '.join(fitted.left_out)} ({more})"


def short_count(n: int) -> str:
    """A count in at most five characters, rounded and marked by its unit, never cut:
    ``999``, ``12.3k``, ``603k``, ``1.2M``, ``56M``, ``3.4B``."""
    if n < 1000:
        return str(n)
    for unit, size in (("k", 1_000), ("M", 1_000_000), ("B", 1_000_000_000)):
        value = n / size
        if round(value, 1) < 100:
            return f"{value:.1f}".removesuffix(".0") + unit
        if round(value) < 1000 or unit == "B":
            return f"{value:.0f}{unit}"
    return f"{n:,}"  # not reached


def wrap_parts(parts: list[str], width: int, sep: str = " · ") -> list[str]:
    """``parts`` joined by ``sep`` in lines of at most ``width`` cells, broken between parts,
    never inside one (a part wider than the screen has a line to itself)."""
    lines: list[str] = []
    current = ""
    for part in parts:
        joined = f"{current}{sep}{part}" if current else part
        if current and len(joined) > width:
            lines.append(current)
            current = part
        else:
            current = joined
    return lines + ([current] if current else [])
