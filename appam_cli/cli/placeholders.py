"""One way to name a value in ``--help``: ``MODEL``, ``ID``, ``WHEN``, ``N``, never ``<int range>``.

Options that declare a ``metavar`` keep it; the others get one from their type (so an option
added later reads the same): a whole number is ``N``, a number ``NUMBER``, a file ``FILE``,
choices ``a|b|c``, text ``TEXT``. Arguments are shown by their name in capitals
(``PROMPT...``) without a type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.core import TyperArgument, TyperGroup, TyperOption


class _Argument(TyperArgument):
    """An argument shown as its placeholder alone (Typer adds ``<str>``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        """``ID`` when required, ``[ID]`` when not (Typer writes ``{ID}``)."""
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


# The values most options take, by the option's name: the same word wherever it appears.
BY_NAME = {
    "model": "MODEL",
    "api_base": "URL",
    "since": "WHEN",
    "until": "WHEN",
    "older_than": "WHEN",
    "session": "ID",
    "session_id": "ID",
    "agent": "NAME",
    "provider": "PROVIDER",
    "by": "GROUP",
    "status": "STATUS",
    "role": "ROLE",
    "title": "TITLE",
    "timeout": "SECONDS",
    "output": "FILE",
}


def placeholder(param: Any) -> str:
    named = BY_NAME.get(param.name or "")
    if named:
        return named
    descriptor = param.type_descriptor
    choices = descriptor.choices
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    annotation = descriptor.annotation
    args = getattr(annotation, "__args__", None)
    if args and getattr(annotation, "__origin__", None) is list:
        annotation = args[0]
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "FILE"
    return "TEXT"


def apply(command: Any) -> None:
    """Give every option and argument under ``command`` its placeholder (once per command tree)."""
    if getattr(command, "_appam_placeholders", False):
        return
    command._appam_placeholders = True
    for param in getattr(command, "params", []):
        if isinstance(param, TyperOption):
            if param.metavar is None and not param.is_flag and not param.count:
                param.metavar = placeholder(param)
        elif isinstance(param, TyperArgument):
            if param.metavar is None:
                name = (param.name or "value").upper()
                param.metavar = "ID" if name.endswith(("_ID", "_IDS")) else name
            param.__class__ = _Argument
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            apply(sub)
