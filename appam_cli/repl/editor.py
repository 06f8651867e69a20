"""``/edit``: write a long message in ``$VISUAL`` / ``$EDITOR`` (else nano, vim or vi)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile

from appam_cli.errors import UserError

FALLBACKS = ("nano", "vim", "vi")


def editor_command() -> list[str]:
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return shlex.split(value)
            except ValueError:
                return value.split()
    for name in FALLBACKS:
        if shutil.which(name):
            return [name]
    raise UserError("no editor found: set $EDITOR (e.g. export EDITOR=nano)")


def edit_text(initial: str = "") -> str | None:
    """Open the editor on ``initial``; the text saved, or None when the editor failed."""
    argv = editor_command()
    fd, path = tempfile.mkstemp(prefix="appam-message-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(initial)
        try:
            done = subprocess.run([*argv, path])
        except OSError as exc:
            raise UserError(f"cannot start the editor {argv[0]!r}: {exc.strerror}") from None
        if done.returncode != 0:
            raise UserError(f"the editor exited with status {done.returncode}; nothing sent")
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
