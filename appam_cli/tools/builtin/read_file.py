"""``read_file``: a text file's lines, from a line on, within the output limit.

The file is read line by line (a huge log costs no more memory than what is shown); the lines
after the last one shown are only counted, for the "of N lines" the model is told.
"""

from __future__ import annotations

from typing import BinaryIO

from appam_cli.tools.builtin.files import regular_file
from appam_cli.tools.decorator import tool
from appam_cli.tools.output import BINARY_PROBE, NOT_UTF8_NOTE, looks_binary
from appam_cli.tools.paths import resolve, shown
from appam_cli.tools.spec import ToolContext, ToolError

NOTES_ROOM = 200  # characters of the limit kept for the notes under the text


def _count_rest(fh: BinaryIO) -> int:
    """Lines from the current position to the end of the file (a last line without a newline counts)."""
    count, last = 0, b""
    while chunk := fh.read(1 << 20):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (1 if last not in (b"", b"\n") else 0)


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
    regular_file(real, name)
    budget = max(context.output_limit - NOTES_ROOM, 1)
    parts: list[str] = []
    used = 0
    replaced = cut_line = stopped = False
    number = 0  # lines read so far (at the end: the lines of the file)
    try:
        with real.open("rb") as fh:
            if looks_binary(fh.read(BINARY_PROBE)):
                raise ToolError(f"{name} is a binary file ({real.stat().st_size} bytes); read_file reads text")
            fh.seek(0)
            for raw in fh:
                number += 1
                if number < offset:
                    continue
                if limit is not None and len(parts) >= limit:  # this line and the rest are not shown
                    number += _count_rest(fh)
                    break
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line, replaced = raw.decode("utf-8", errors="replace"), True
                if used + len(line) > budget:
                    stopped = True
                    if not parts:  # one line longer than the limit: its beginning
                        parts.append(line[:budget])
                        cut_line = True
                    number += _count_rest(fh)
                    break
                parts.append(line)
                used += len(line)
    except OSError as exc:
        raise ToolError(f"cannot read {name}: {exc.strerror or exc}") from None
    total = number
    if total == 0:
        return f"({name} is empty)"
    if offset > total:
        raise ToolError(f"offset {offset} is past the end of {name} ({total} lines)")
    last_shown = offset + len(parts) - 1
    body = "".join(parts)
    notes = []
    if replaced:
        notes.append(NOT_UTF8_NOTE)
    if cut_line:
        notes.append(f"[line {offset} is longer than the output limit: its first {len(parts[0])} characters shown]")
    if last_shown < total:
        why = f"output limit, {context.output_limit} characters" if stopped else "limit"
        notes.append(
            f"[showed lines {offset}-{last_shown} of {total} ({why}); "
            f"read on with read_file path={path!r} offset={last_shown + 1}]"
        )
    if notes:
        body = body + ("" if body.endswith("\n") or not body else "\n") + "\n".join(notes)
    return body
