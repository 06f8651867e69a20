"""``read_file``: a text file's lines, from a line on, within the output limit."""

from __future__ import annotations

from appam_cli.tools.decorator import tool
from appam_cli.tools.output import BINARY_PROBE, NOT_UTF8_NOTE, decode, looks_binary
from appam_cli.tools.paths import resolve, shown
from appam_cli.tools.spec import ToolContext, ToolError


@tool(side_effects=False)
def read_file(context: ToolContext, path: str, offset: int = 1, limit: int | None = None) -> str:
    """Read a text file in the working folder. Long files are cut: the result says which lines it
    shows and the offset to read on from.

    Args:
        path: the file, relative to the working folder.
        offset: the first line to read (1 is the first line of the file).
        limit: at most this many lines (default: as many as fit in the output limit).
    """
    if offset < 1:
        raise ToolError("offset must be 1 or more (1 is the first line)")
    if limit is not None and limit < 1:
        raise ToolError("limit must be 1 or more")
    real = resolve(context, path)
    name = shown(real, context)
    if real.is_dir():
        raise ToolError(f"{name} is a folder; use list_dir")
    try:
        with real.open("rb") as fh:
            if looks_binary(fh.read(BINARY_PROBE)):
                size = real.stat().st_size
                raise ToolError(f"{name} is a binary file ({size} bytes); read_file reads text")
            fh.seek(0)
            data = fh.read()
    except FileNotFoundError:
        raise ToolError(f"{name}: no such file") from None
    except OSError as exc:
        raise ToolError(f"cannot read {name}: {exc.strerror or exc}") from None
    text, replaced = decode(data)
    lines = text.splitlines(keepends=True)
    total = len(lines)
    if total == 0:
        return f"({name} is empty)"
    if offset > total:
        raise ToolError(f"offset {offset} is past the end of {name} ({total} lines)")
    budget = context.output_limit - 160  # room for the notes below
    last = total if limit is None else min(total, offset - 1 + limit)
    parts: list[str] = []
    used = 0
    index = offset - 1
    cut_line = stopped = False
    while index < last:
        line = lines[index]
        if used + len(line) > budget:
            stopped = True
            if not parts:  # one line longer than the limit: its beginning
                parts.append(line[: max(budget, 1)])
                cut_line = True
                index += 1
            break
        parts.append(line)
        used += len(line)
        index += 1
    body = "".join(parts)
    notes = []
    if replaced:
        notes.append(NOT_UTF8_NOTE)
    if cut_line:
        notes.append(f"[line {offset} is longer than the output limit: its first {len(parts[0])} characters shown]")
    if index < total:
        shown_to = index if not cut_line else offset
        why = "output limit" if stopped else "limit"
        notes.append(
            f"[showed lines {offset}-{shown_to} of {total} ({why}); "
            f"read on with read_file path={path!r} offset={index + 1}]"
        )
    if notes:
        body = body + ("" if body.endswith("\n") else "\n") + "\n".join(notes)
    return body
