"""``/copy``: put text on the system clipboard with whatever tool this machine has.

Wayland (``wl-copy``), X11 (``xclip``, ``xsel``), macOS (``pbcopy``), WSL
(``clip.exe``); otherwise, on a terminal, the OSC 52 escape sequence, which
most modern terminals (and tmux with ``set-clipboard on``) turn into a copy.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys

OSC52_LIMIT = 100_000  # bytes of base64; many terminals refuse more


def _tools() -> list[list[str]]:
    tools = []
    if os.environ.get("WAYLAND_DISPLAY"):
        tools.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        tools += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    if sys.platform == "darwin":
        tools.append(["pbcopy"])
    tools.append(["clip.exe"])
    return tools


def copy_text(text: str) -> str | None:
    """Copy ``text``; returns how it was done, or None when there is no way here."""
    for argv in _tools():
        path = shutil.which(argv[0])
        if path is None:
            continue
        try:
            done = subprocess.run(
                [path, *argv[1:]], input=text.encode("utf-8"), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, timeout=5,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return argv[0]
    return _osc52(text)


def _osc52(text: str) -> str | None:
    from appam_cli.render.environment import environment

    if not environment().stdout_isatty:
        return None
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(data) > OSC52_LIMIT:
        return None
    sequence = f"\x1b]52;c;{data}\x07"
    if os.environ.get("TMUX"):  # pass it through tmux to the outer terminal
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    sys.stdout.write(sequence)
    sys.stdout.flush()
    return "the terminal (OSC 52)"
