"""The built-in tools, each in its own module, found by name (imported only when used).

Read-only: read_file, list_dir, search_files. Side effects (asked before they run): write_file,
edit_file, run_shell. File tools work inside the working folder and the ``--allow-path`` folders.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appam_cli.tools.spec import ToolSpec

BUILTIN_NAMES = ("read_file", "list_dir", "search_files", "write_file", "edit_file", "run_shell")
SOURCE = "built-in"


def builtin_spec(name: str) -> ToolSpec:
    """The ToolSpec of built-in ``name`` (KeyError if there is none)."""
    from dataclasses import replace

    from appam_cli.tools.decorator import declared_spec

    if name not in BUILTIN_NAMES:
        raise KeyError(name)
    spec = declared_spec(getattr(import_module(f"appam_cli.tools.builtin.{name}"), name))
    assert spec is not None
    return replace(spec, source=SOURCE)


def builtin_specs() -> list[ToolSpec]:
    return [builtin_spec(name) for name in BUILTIN_NAMES]
