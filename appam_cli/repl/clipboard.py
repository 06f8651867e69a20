"""``/copy``: put text on the system clipboard with whatever tool this machine has.

Wayland (``wl-copy``), X11 (``xclip``, ``xsel``), macOS (``pbcopy``), WSL
(``clip.exe``); inside tmux (``$TMUX``) tmux's own paste buffer (``tmux load-buffer -w -``,
which tmux passes on to the outer terminal's clipboard when its ``set-clipboard`` allows);
otherwise, on a terminal, the OSC 52 escape sequence. Whether a terminal acts on OSC 52
cannot be known (tmux 3.3 drops it by default), so that way says "sent", never "copied".
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Copied:
    way: str  # "xclip", "tmux", "osc52"…
    sure: bool  # the text is known to be on a clipboard (False: sent to the terminal, fate unknown)


def copy_text(text: str) -> Copied | None:
    """Copy ``text``; how it was done, or None when there is no way here."""
    for argv in _tools():
        if _run(argv, text):
            return Copied(argv[0], sure=True)
    if os.environ.get("TMUX") and _run(["tmux", "load-buffer", "-w", "-"], text):
        return Copied("tmux", sure=True)
    return Copied("osc52", sure=False) if _osc52(text) else None


def _run(argv: list[str], text: str) -> bool:
    path = shutil.which(argv[0])
    if path is None:
        return False
    try:
        done = subprocess.run(
            [path, *argv[1:]], input=text.encode("utf-8"), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _osc52(text: str) -> bool:
    from appam_cli.render.environment import environment

    if not environment().stdout_isatty:
        return False
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(data) > OSC52_LIMIT:
        return False
    sequence = f"\x1b]52;c;{data}\x07"
    if os.environ.get("TMUX"):  # pass it through tmux to the outer terminal
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    sys.stdout.write(sequence)
    sys.stdout.flush()
    return True
