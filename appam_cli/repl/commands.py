"""The slash commands: their names, arguments and help, and how a line is read.

A line is a command when it starts with ``/`` and a word (``/model gpt-4o``); a
unique prefix is enough (``/he`` is ``/help``). ``//text`` sends ``/text`` as a
message, and a line like ``/usr/bin/env is slow`` is a message too (the word
is followed by another ``/``). An unknown command gets a hint, never a model call.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    summary: str


COMMANDS: tuple[Command, ...] = (
    Command("help", "", "list the commands and keys"),
    Command("exit", "", "leave the chat (also Ctrl-D)"),
    Command("new", "", "start a new session"),
    Command("model", "[NAME]", "switch the model for the next turns (no NAME: show it)"),
    Command("system", "[TEXT]", "set the system prompt (no TEXT: show it)"),
    Command("usage", "", "this session's tokens and cost, in detail"),
    Command("info", "", "the session, model, settings and files"),
    Command("retry", "", "regenerate the last answer"),
    Command("undo", "", "remove the last exchange from the session"),
    Command("rename", "TITLE", "give this session a title"),
    Command("reasoning", "[on|off]", "show or hide the model's reasoning"),
    Command("sessions", "", "the most recent sessions"),
    Command("copy", "", "copy the last answer to the clipboard"),
    Command("edit", "[TEXT]", "write the next message in $EDITOR"),
    Command("tools", "", "the tools the model may call in this chat"),
)
ALIASES = {"quit": "exit", "q": "exit", "?": "help", "clear": "new"}
BY_NAME = {c.name: c for c in COMMANDS}

_COMMAND = re.compile(r"/([A-Za-z?][\w-]*)(?:\s+(.*))?\Z", re.DOTALL)


@dataclass
class Parsed:
    """A command line: ``name`` is None for an unknown or ambiguous command (``word`` as typed)."""

    name: str | None
    arg: str
    word: str


def parse(text: str) -> Parsed | str:
    """A Parsed command, or the message to send (a str, maybe empty)."""
    if text.startswith("//"):
        return text[1:]
    match = _COMMAND.match(text.strip())
    if not text.startswith("/") or match is None:
        return text
    word, arg = match.group(1), (match.group(2) or "").strip()
    return Parsed(resolve(word), arg, word)


def resolve(word: str) -> str | None:
    """The command a word names: exact, an alias, or a unique prefix."""
    word = word.lower()
    if word in BY_NAME:
        return word
    if word in ALIASES:
        return ALIASES[word]
    matches = [c.name for c in COMMANDS if c.name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def unknown_hint(word: str) -> str:
    matches = [c.name for c in COMMANDS if c.name.startswith(word.lower())]
    if len(matches) > 1:
        guess = "did you mean " + " or ".join(f"/{m}" for m in matches) + "? "
    else:
        close = difflib.get_close_matches(word.lower(), [c.name for c in COMMANDS], n=1, cutoff=0.5)
        guess = f"did you mean /{close[0]}? " if close else ""
    return (
        f"unknown command /{word}: {guess}/help lists the commands "
        "(to send a message that starts with /, begin it with //)"
    )
