"""Building the prompt from the argument and piped standard input."""

from __future__ import annotations

import os
import stat

from appam_cli.errors import UserError
from appam_cli.render.environment import environment
from appam_cli.textbytes import is_utf8, repaired

NOT_UTF8 = "{} is not valid UTF-8; sent with each undecodable byte replaced by U+FFFD"


def _warn(text: str) -> None:
    from appam_cli.render.environment import environment

    environment().warn(text)


def piped_stdin() -> str | None:
    """Text piped or redirected into us; None when stdin is a terminal or nothing was given.

    Only pipes and regular files are read: an inherited socket or terminal that
    never closes would otherwise hang the command.
    """
    env = environment()
    stream = env.stdin
    if stream is None or env.stdin_isatty:
        return None
    try:
        mode = os.fstat(stream.fileno()).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISREG(mode)):
            return None
    except (OSError, ValueError, AttributeError):
        # No real file descriptor (a test runner's in-memory stream): read it.
        pass
    try:
        raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    except (OSError, ValueError):
        return None
    if isinstance(raw, str):
        return raw
    # Decoded here, not by the stream: a stray byte (a Latin-1 file piped in) must not
    # end the command with a traceback. A prompt is text for a model, so the run goes on
    # with the bad bytes replaced, and says so; what is saved is exactly what was sent.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        _warn(NOT_UTF8.format("standard input"))
        return raw.decode("utf-8", "replace")


def joined(words: list[str] | None) -> str | None:
    """Several words on the command line are one prompt, joined with spaces (None: no prompt)."""
    return " ".join(words) if words else None


def build_prompt(argument: str | None) -> str:
    """``PROMPT``, ``-`` (all of stdin), or PROMPT + a blank line + piped stdin.

    A prompt of only whitespace counts as no prompt: it is refused, never sent.
    """
    if argument is not None and not argument.strip():
        argument = None
    if argument is not None and not is_utf8(argument):
        _warn(NOT_UTF8.format("the prompt argument"))
        argument = repaired(argument)
    if argument == "-":
        text = piped_stdin()
        if not text or not text.strip():
            raise UserError("`-` reads the prompt from standard input, but nothing was piped in")
        return text.rstrip("\n")
    piped = piped_stdin()
    if argument and piped and piped.strip():
        return f"{argument}\n\n{piped.rstrip()}"
    if argument:
        return argument
    if piped and piped.strip():
        return piped.rstrip("\n")
    raise UserError('no prompt given: appam run "PROMPT" (or pipe text into it)')
