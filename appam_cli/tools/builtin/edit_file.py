"""``edit_file``: replace an exact piece of a text file with another."""

from __future__ import annotations

from appam_cli.tools.builtin.files import regular_file, write_text
from appam_cli.tools.decorator import tool
from appam_cli.tools.paths import resolve, shown
from appam_cli.tools.spec import ToolContext, ToolError


@tool(side_effects=True)
def edit_file(context: ToolContext, path: str, old_text: str, new_text: str, replace_all: bool = False) -> str:
    """Replace old_text with new_text in a text file in the working folder. old_text must appear
    exactly (spaces and line ends included) and only once, unless replace_all is true: include
    enough of the surrounding lines to make it unique.

    Args:
        path: the file, relative to the working folder.
        old_text: the exact text to replace.
        new_text: the text to put in its place.
        replace_all: replace every occurrence rather than requiring exactly one.
    """
    if not old_text:
        raise ToolError("old_text is empty; to write a whole file use write_file")
    real = resolve(context, path)
    name = shown(real, context)
    if real.is_dir():
        raise ToolError(f"{name} is a folder")
    if real.exists():
        regular_file(real, name)
    try:
        data = real.read_bytes()
    except FileNotFoundError:
        raise ToolError(f"{name}: no such file (create it with write_file)") from None
    except IsADirectoryError:
        raise ToolError(f"{name} is a folder") from None
    except OSError as exc:
        raise ToolError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ToolError(f"{name} is not UTF-8 text; edit_file would change bytes it cannot show") from None
    count = text.count(old_text)
    if count == 0:
        hint = ""
        if "\r\n" in text and "\n" in old_text and "\r\n" not in old_text:
            hint = " (the file has Windows line ends, \\r\\n)"
        raise ToolError(f"old_text was not found in {name}{hint}; read the file and copy the text exactly")
    if count > 1 and not replace_all:
        raise ToolError(
            f"old_text occurs {count} times in {name}; include more of the surrounding text to make it "
            "unique, or set replace_all=true"
        )
    write_text(real, text.replace(old_text, new_text), name)
    return f"edited {name}: replaced {count} occurrence{'s' if count > 1 else ''}"
