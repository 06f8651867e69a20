"""``appam config edit``: config.toml in the user's editor, checked when the editor closes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from appam_cli.errors import UserError


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi (split as a shell would: ``code --wait`` works)."""
    text = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        words = shlex.split(text)
    except ValueError:
        words = []
    if not words:
        raise UserError(f"cannot read the editor command {text!r} ($VISUAL / $EDITOR)")
    return words


def edit_config() -> int:
    """Open the file (the starter file when there is none); after each edit, check it. An invalid
    file is one line: on a terminal the editor opens again on request, otherwise exit 1."""
    from appam_cli.config import config_path
    from appam_cli.config_edit import check_text, starter_text, write_file
    from appam_cli.render.environment import environment

    path = config_path()
    if not path.exists():
        write_file(path, starter_text())
    env = environment()
    while True:
        command = [*editor_command(), str(path)]
        try:
            code = subprocess.call(command)
        except OSError as exc:
            raise UserError(
                f"cannot start the editor {command[0]!r}: {exc.strerror} (set $VISUAL or $EDITOR)"
            ) from None
        if code != 0:
            raise UserError(f"the editor {command[0]!r} exited with status {code}; {path} is as it left it")
        try:
            check_text(path.read_text(encoding="utf-8"), path)
        except UnicodeDecodeError as exc:
            problem = f"invalid config file {path}: not UTF-8 text (byte {exc.start})"
        except UserError as exc:
            problem = exc.message
        else:
            env.notice(f"{path} is valid")
            return 0
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UserError(f"{problem} (fix it with `appam config edit`)")
        env.error(problem)
        sys.stderr.write("Edit again? [Y/n] ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer in ("n", "no") or not answer and sys.stdin.closed:
            raise UserError(f"{path} is still invalid; it is used only once it is fixed")
