"""Long output through a pager, as git does it.

On a terminal, output taller than the screen is piped to ``$APPAM_PAGER``, else
``$PAGER``, else ``less -FRX`` (``LESS=FRX`` is set when the user has no ``LESS``
of their own: quit if one screen, keep colours, leave the text on the screen).
An empty pager or ``cat`` means no pager. When stdout is not a terminal the
output is written as it is. A pager that cannot be started is skipped silently.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

DEFAULT_PAGER = "less -FRX"


def pager_command() -> list[str] | None:
    """The pager to run, split like a shell would; None when paging is switched off."""
    for name in ("APPAM_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            break
    else:
        value = DEFAULT_PAGER
    try:
        argv = shlex.split(value)
    except ValueError:
        argv = value.split()
    if not argv or argv == ["cat"]:
        return None
    return argv


def stdout_is_terminal() -> bool:
    from appam_cli.render.environment import environment

    return environment().stdout_isatty


def terminal_height() -> int:
    import shutil

    return shutil.get_terminal_size().lines


def should_page(text: str, *, enabled: bool = True) -> bool:
    if not enabled or not stdout_is_terminal():
        return False
    return text.count("\n") >= terminal_height()


def show(text: str, *, enabled: bool = True) -> None:
    """Write ``text`` to stdout, through the pager when it would not fit on the screen."""
    if should_page(text, enabled=enabled):
        argv = pager_command()
        if argv and _run_pager(argv, text):
            return
    sys.stdout.write(text)
    sys.stdout.flush()


def _run_pager(argv: list[str], text: str) -> bool:
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None  # stdin=PIPE
    try:
        try:
            proc.stdin.write(text.encode("utf-8", errors="replace"))
            proc.stdin.close()
        except BrokenPipeError:  # the user quit the pager before reading everything
            pass
        while True:
            try:
                proc.wait()
                break
            except KeyboardInterrupt:  # Ctrl-C belongs to the pager while it runs
                continue
    finally:
        if proc.poll() is None:
            proc.kill()
    return True
