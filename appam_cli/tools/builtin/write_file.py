"""``write_file``: create or replace a text file (its folders are created too)."""

from __future__ import annotations

from appam_cli.tools.builtin.files import write_text
from appam_cli.tools.decorator import tool
from appam_cli.tools.paths import resolve, shown
from appam_cli.tools.spec import ToolContext, ToolError


@tool(side_effects=True)
def write_file(context: ToolContext, path: str, content: str) -> str:
    """Write a text file in the working folder, replacing it if it exists; missing folders on the
    way are created.

    Args:
        path: the file, relative to the working folder.
        content: the whole new content of the file (UTF-8).
    """
    real = resolve(context, path)
    name = shown(real, context)
    if real.is_dir():
        raise ToolError(f"{name} is a folder")
    if real.exists() and not real.is_file():
        raise ToolError(f"{name} is not a regular file (a pipe, socket or device)")
    existed = real.exists()
    made = [p for p in reversed(real.parents) if not p.exists()]
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"cannot create the folder {shown(real.parent, context)}: {exc.strerror or exc}") from None
    size = write_text(real, content, name)
    folders = f"; created the folder {shown(made[-1], context)}" if made else ""
    return f"{'replaced' if existed else 'created'} {name} ({size} bytes){folders}"
