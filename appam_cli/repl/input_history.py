"""The input history file: every line typed at the chat prompt, shared by all chats.

It lives in the data dir (``$APPAM_HOME`` in tests) as ``input_history``, only
readable by its owner (mode 0600: prompts can hold secrets), in prompt-toolkit's
FileHistory format, and is loaded in a background thread so a long history never
delays the prompt.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_NAME = "input_history"


def history_path() -> Path:
    from appam_cli.config import data_dir

    return data_dir() / FILE_NAME


def ensure_private(path: Path) -> Path:
    """Create the file (and its folder) if needed, with mode 0600 either way."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
    return path


def input_history():
    """A prompt-toolkit History backed by the file (in memory only if the file cannot be made)."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory, ThreadedHistory

    try:
        path = ensure_private(history_path())
    except OSError as exc:
        from appam_cli.repl import output

        output.warn(f"input history not kept: cannot write {history_path()}: {exc.strerror}")
        return InMemoryHistory()
    return ThreadedHistory(FileHistory(str(path)))
