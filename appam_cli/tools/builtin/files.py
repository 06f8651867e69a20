"""Writing a file the way the file tools do: whole, or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from appam_cli.tools.spec import ToolError


def write_text(path: Path, text: str, name: str) -> int:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` through a temporary file renamed over
    it: a failure leaves the old content. The file keeps its permissions. Returns the bytes written."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise ToolError(f"cannot write {name}: the text holds a lone surrogate (not a character)") from None
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if mode is not None:
                os.chmod(temp, mode)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(temp, 0o666 & ~umask)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ToolError(f"cannot write {name}: {exc.strerror or exc}") from None
    return len(data)


def regular_file(path: Path, name: str) -> None:
    """A ToolError unless ``path`` is a regular file: reading a FIFO or a device could wait forever
    or never end."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ToolError(f"{name}: no such file") from None
    except OSError as exc:
        raise ToolError(f"cannot read {name}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise ToolError(f"{name} is not a regular file (a pipe, socket or device); file tools read files")
