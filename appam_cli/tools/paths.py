"""Where file tools may look: the working folder, and the folders ``--allow-path`` adds.

A path the model gives is joined to the working folder when relative, then resolved (``..``
and every symlink followed, even for a file that does not exist yet) before it is checked: a
symlink inside the folder that points out of it is outside, and so is a symlinked folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from appam_cli.tools.spec import ToolContext, ToolError


def roots(context: ToolContext) -> list[Path]:
    """The resolved folders a file tool may touch, the working folder first."""
    return [Path(os.path.realpath(p)) for p in (context.cwd, *context.allowed_paths)]


def is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def shown(path: Path, context: ToolContext) -> str:
    """``path`` as the model should read it: relative to the working folder when inside it."""
    base = Path(os.path.realpath(context.cwd))
    try:
        return str(path.relative_to(base)) or "."
    except ValueError:
        return str(path)


def resolve(context: ToolContext, raw: str) -> Path:
    """The real path ``raw`` names, if it is inside the working folder or an allowed one; else a
    ToolError saying so (and that the user can allow a folder with ``--allow-path``)."""
    if not raw or "\x00" in raw:
        raise ToolError(f"invalid path {raw!r}")
    given = Path(raw).expanduser()
    joined = given if given.is_absolute() else Path(context.cwd) / given
    real = Path(os.path.realpath(joined))
    folders = roots(context)
    if any(is_within(real, folder) for folder in folders):
        return real
    allowed = ", ".join(str(f) for f in folders)
    extra = "" if real == joined else f" (it resolves to {real})"
    raise ToolError(
        f"path {raw!r} is outside the folders file tools may use ({allowed}){extra}; "
        "the user can allow another folder with --allow-path DIR"
    )


def allowed_folders(values: list[str] | tuple[str, ...]) -> tuple[Path, ...]:
    """``--allow-path`` values as the resolved folders of ``ToolContext.allowed_paths``; a value
    that is not an existing folder is one UserError line (a typo must not silently allow nothing)."""
    from appam_cli.errors import UserError

    folders: list[Path] = []
    for value in values:
        path = Path(value).expanduser()
        if not path.is_dir():
            what = "is not a folder" if path.exists() else "no such folder"
            raise UserError(f"--allow-path {value}: {what}")
        folders.append(Path(os.path.realpath(path)))
    return tuple(folders)
