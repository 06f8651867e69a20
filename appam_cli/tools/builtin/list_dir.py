"""``list_dir``: a folder's entries (folders end with ``/``), optionally the whole tree below it."""

from __future__ import annotations

import os
from pathlib import Path

from appam_cli.tools.decorator import tool
from appam_cli.tools.output import cut
from appam_cli.tools.paths import resolve, shown
from appam_cli.tools.spec import ToolContext, ToolError

SKIPPED = frozenset({".git"})  # listed, never walked into


def _entry(path: Path, rel: str) -> str:
    try:
        if path.is_symlink():
            return f"{rel} -> {os.readlink(path)}"
        if path.is_dir():
            return rel + "/"
        return f"{rel}  ({path.stat().st_size} bytes)"
    except OSError:
        return rel


@tool(side_effects=False)
def list_dir(context: ToolContext, path: str = ".", recursive: bool = False) -> str:
    """List a folder in the working folder: one entry a line, folders ending with "/", files with
    their size, symlinks with their target.

    Args:
        path: the folder, relative to the working folder.
        recursive: list everything below it too (.git folders and symlinked folders are not entered).
    """
    real = resolve(context, path)
    name = shown(real, context)
    if not real.exists():
        raise ToolError(f"{name}: no such folder")
    if not real.is_dir():
        raise ToolError(f"{name} is a file; use read_file")
    lines: list[str] = []
    stopped = False
    try:
        if not recursive:
            for child in sorted(real.iterdir(), key=lambda p: p.name):
                lines.append(_entry(child, child.name))
        else:
            for folder, dirs, files in os.walk(real, onerror=None):
                base = Path(folder)
                for entry in sorted([*dirs, *files]):
                    child = base / entry
                    lines.append(_entry(child, str(child.relative_to(real))))
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
                if len(lines) > context.output_limit:  # far more than can be shown: stop walking
                    stopped = True
                    break
    except OSError as exc:
        raise ToolError(f"cannot list {name}: {exc.strerror or exc}") from None
    if not lines:
        return f"({name} is empty)"
    more = "list a subfolder, or without recursive=true" if recursive else "list a subfolder"
    count = f"more than {len(lines)}" if stopped else str(len(lines))
    return cut("\n".join(lines), context.output_limit, more=f"{count} entries in all; {more}")
