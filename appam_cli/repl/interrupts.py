"""Ctrl-C while an answer streams: cancel that answer, not the chat.

At the prompt the terminal is in raw mode and Ctrl-C is a key (prompt-toolkit
clears the line). While an answer streams it is SIGINT: the first one raises
KeyboardInterrupt in the turn, which saves what arrived (marked incomplete) and
lets it through to the chat loop; further presses while that is being saved
are ignored, so the save is never cut short.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def ctrl_c_cancels_answer() -> Iterator[None]:
    pressed = False

    def on_sigint(signum: int, frame: Any) -> None:
        nonlocal pressed
        if pressed:
            return
        pressed = True
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
