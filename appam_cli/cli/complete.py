"""What Tab offers for the values of options and arguments (``autocompletion=`` of Typer).

Session ids (with their titles, which zsh and fish show beside them), model names and aliases
after ``-m``, and the allowed values of ``--by``, ``--status``, ``--role``, ``--format`` and
``--provider``. These run in the short process each Tab press starts (completion.py): they read
config.toml, the session store (one indexed query, read-only) and litellm's price JSON as data,
never litellm, sqlmodel or Rich, and a failure of any kind offers nothing rather than printing
into the user's command line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from appam_cli.config import Settings

Candidates = list[tuple[str, str]]
MAX_SESSIONS = 50  # the most recent sessions offered (those whose id starts with what is typed)
TITLE_WIDTH = 60


def _never_fails(func: Callable[[str], Candidates]) -> Callable[[str], Candidates]:
    @functools.wraps(func)
    def guarded(incomplete: str) -> Candidates:
        try:
            return func(incomplete or "")
        except Exception:  # a Tab press must not print a traceback into the command line
            return []

    return guarded


def _settings() -> Settings | None:
    from appam_cli.config import load_settings
    from appam_cli.errors import UserError

    try:
        return load_settings()
    except UserError:  # an invalid config.toml: the commands say why; Tab stays quiet
        return None


def _one_line(text: str | None, width: int = TITLE_WIDTH) -> str:
    """A title as a description: one line, no control characters, at most ``width`` long (the
    descriptions are written as plain text: completion.use_plain_descriptions)."""
    line = " ".join("".join(c if c.isprintable() else " " for c in text or "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _store_path(settings: Settings) -> Path:
    if settings.database_url:
        from appam_cli.store.db import path_from_url

        return path_from_url(settings.database_url)
    return settings.db_path


@_never_fails
def session_ids(incomplete: str) -> Candidates:
    """``last`` and the ids of the most recent sessions that start with what is typed, each with
    its title."""
    settings = _settings()
    if settings is None:
        return []
    from appam_cli.store.session_ids import recent_sessions

    path = _store_path(settings)
    found = recent_sessions(path, incomplete, MAX_SESSIONS)
    out = []
    if "last".startswith(incomplete):
        newest = recent_sessions(path, "", 1) if incomplete else found[:1]
        if newest:
            out.append(("last", "the most recent: " + (_one_line(newest[0][1], 40) or newest[0][0])))
    out += [(sid, _one_line(title) or "(no title)") for sid, title in found]
    return out


@_never_fails
def models(incomplete: str) -> Candidates:
    """Config's aliases, its profiles' models, then the chat models of litellm's price map."""
    from appam_cli.providers.model_choices import model_choices

    settings = _settings()
    aliases = settings.aliases if settings else {}
    profiles = settings.profiles if settings else {}
    return model_choices(incomplete, aliases, profiles)


@_never_fails
def providers(incomplete: str) -> Candidates:
    """The providers of litellm's price map, with how many chat models each has."""
    from collections import Counter

    from appam_cli.providers.prices_data import chat_models, price_map

    chat = Counter(chat_models().values())
    names = sorted({str(e.get("litellm_provider")) for e in price_map().values() if e.get("litellm_provider")})
    return [(name, f"{chat[name]} chat models") for name in names if name.startswith(incomplete)]


def _choices(values: dict[str, str], incomplete: str) -> Candidates:
    return [(value, about) for value, about in values.items() if value.startswith(incomplete)]


USAGE_GROUPS = {
    "day": "per UTC day",
    "week": "per week (from Monday, UTC)",
    "month": "per calendar month (UTC)",
    "model": "per model asked for",
    "served-model": "per model the server says answered",
    "agent": "per agent",
    "session": "per session, with its title",
}
STATUSES = {
    "running": "an answer is being written",
    "completed": "the last answer arrived whole",
    "interrupted": "an answer was cut (Ctrl-C, a kill, a dropped stream)",
    "failed": "the request failed before an answer",
}
ROLES = {
    "user": "your prompts",
    "assistant": "the model's answers",
    "system": "system prompts",
    "tool": "tool results",
}


@_never_fails
def usage_groups(incomplete: str) -> Candidates:
    return _choices(USAGE_GROUPS, incomplete)


@_never_fails
def statuses(incomplete: str) -> Candidates:
    return _choices(STATUSES, incomplete)


@_never_fails
def roles(incomplete: str) -> Candidates:
    return _choices(ROLES, incomplete)
