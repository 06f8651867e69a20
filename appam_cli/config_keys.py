"""Every key ``config.toml`` knows, in one table: its name, how its value is read, its
``APPAM_*`` variable, where Settings keeps it, and one line of help.

``load_settings`` reads the file and the environment through this table, ``appam config
show/get/set/unset`` and ``config init`` are driven by it, and an unknown key is answered
with the closest known one. **Adding a key is one row in KEYS** (plus its field in Settings
or RequestOptions when it is new there): reading, validation, its variable, ``show``, ``get``,
``set`` and the starter file then follow.

A name with ``*`` is an entry of a table whose entries the user names (``aliases.fast``,
``profiles.local.api_base``, ``prices."openai/my-model".input``); those tables are read as a
whole by config_tables.py, and ``*`` stands for one name in ``get``/``set``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from appam_cli.config_values import (
    BOOL,
    COUNT_OR_NONE,
    ENV_NAME,
    MAX_TOKENS,
    NAMES,
    NUMBER,
    POSITIVE,
    REASONING_EFFORT,
    SECONDS,
    SYSTEM,
    TEMPERATURE,
    TEXT,
    TOOL_NAMES,
    URL,
    USD_CAP,
    USD_RATE,
    WHOLE,
    Kind,
)


@dataclass(frozen=True)
class Key:
    name: str  # as written in config.toml; a key of a [table] is dotted: "history.auto_save"
    kind: Kind
    help: str
    target: str | None = None  # where Settings keeps it: "request.model", "auto_save", "budget.daily_usd"
    env: str | None = None  # its APPAM_* variable
    example: Any = None  # written (commented out) by `config init` when the default is no value
    default_text: str | None = None  # what "no value" means, for `config show`

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def is_entry(self) -> bool:
        """An entry of a table whose entry names the user chooses (``aliases.*``)."""
        return "*" in self.parts

    @property
    def shown(self) -> str:
        """The name with its placeholders spelt out: ``profiles.NAME.api_base``."""
        out, stars = [], iter(("NAME", "MODEL"))
        for part in self.parts:
            out.append(("MODEL" if self.parts[0] == "prices" else next(stars)) if part == "*" else part)
        return ".".join(out)


_RATES = (
    ("input", "USD per million input tokens (required)"),
    ("output", "USD per million output tokens (required)"),
    ("cache_read", "USD per million cache-read tokens [default: the input rate]"),
    ("cache_write", "USD per million cache-write tokens [default: the input rate]"),
)

KEYS: tuple[Key, ...] = (
    Key("model", TEXT, "the model when -m is not given (a litellm name, an alias or PROFILE/model)",
        "request.model", "APPAM_MODEL", example="gpt-4o-mini", default_text="the first provider whose API key is set"),
    Key("api_base", URL, "base URL of an OpenAI-compatible server for every request",
        "request.api_base", "APPAM_API_BASE", example="http://localhost:8080/v1",
        default_text="the provider's own"),
    Key("database_url", TEXT, "the session store (sqlite:////abs/path.db or a file path)",
        "database_url", "APPAM_DATABASE_URL", example="sqlite:////path/to/sessions.db",
        default_text="sessions.db in the data folder"),
    Key("system", SYSTEM, "the system prompt a new session starts with", "system", "APPAM_SYSTEM",
        example="You are terse.", default_text="none"),
    Key("temperature", TEMPERATURE, "sampling temperature, 0 to 2", "request.temperature", "APPAM_TEMPERATURE",
        example=0.2, default_text="the provider's default"),
    Key("max_tokens", MAX_TOKENS, "the longest answer, in tokens", "request.max_tokens", "APPAM_MAX_TOKENS",
        example=4096, default_text="the provider's default"),
    Key("reasoning_effort", REASONING_EFFORT, "how hard a reasoning model thinks", "request.reasoning_effort",
        "APPAM_REASONING_EFFORT", example="low", default_text="the provider's default"),
    Key("timeout", POSITIVE, "seconds per request", "request.timeout", "APPAM_TIMEOUT"),
    Key("retries", WHOLE, "retries on 429/5xx/network errors before an answer starts", "request.retries",
        "APPAM_RETRIES"),
    Key("retry_max_wait", NUMBER, "cap on one backoff wait, seconds", "request.retry_max_wait",
        "APPAM_RETRY_MAX_WAIT"),
    Key("worker", BOOL, "serve requests from the shared provider worker (false: in each command)", "worker",
        "APPAM_PROVIDER_WORKER"),
    Key("worker_idle", SECONDS, "seconds without a request before the worker exits", "worker_idle",
        "APPAM_WORKER_IDLE"),
    Key("history.auto_save", BOOL, "save every exchange", "auto_save", "APPAM_AUTO_SAVE"),
    Key("history.max_sessions", COUNT_OR_NONE, "prune the oldest sessions beyond this many (0: keep all)",
        "max_sessions", "APPAM_MAX_SESSIONS", example=1000, default_text="keep all"),
    Key("budget.daily_usd", USD_CAP, "spending cap per UTC day, USD", "budget.daily_usd", "APPAM_BUDGET_DAILY_USD",
        example=2.0, default_text="no cap"),
    Key("budget.monthly_usd", USD_CAP, "spending cap per UTC month, USD", "budget.monthly_usd",
        "APPAM_BUDGET_MONTHLY_USD", example=30.0, default_text="no cap"),
    Key("tools.auto_approve", TOOL_NAMES, "side-effecting tools that run without asking (NAME, server.tool, server)",
        "tools_auto_approve", example=["read_file"], default_text="none: always ask"),
    # Entries of tables the user names (read whole by config_tables.py).
    Key("aliases.*", TEXT, "a short name for a model: -m NAME", example="groq/llama-3.3-70b-versatile"),
    Key("profiles.*.api_base", URL, "the server of provider profile NAME (-m NAME/model)",
        example="http://localhost:8080/v1"),
    Key("profiles.*.api_key_env", ENV_NAME, "the environment variable that holds its key (never the key)",
        example="LOCAL_API_KEY"),
    Key("profiles.*.models", NAMES, "the models it serves (optional; others are refused)", example=["qwen"]),
    *(Key(f"profiles.*.prices.*.{rate}", USD_RATE, text) for rate, text in _RATES),
    *(Key(f"prices.*.{rate}", USD_RATE, text) for rate, text in _RATES),
    # [mcp.servers.NAME] (tools/mcp/config.py reads the table whole; env and headers are tables)
    Key("mcp.servers.*.command", TEXT, "an MCP server started as a program, spoken to over stdio", example="npx"),
    Key("mcp.servers.*.args", NAMES, "the program's arguments", example=["-y", "some-mcp-server"]),
    Key("mcp.servers.*.url", URL, "an MCP server over streamable HTTP (instead of command)",
        example="http://localhost:3000/mcp"),
    Key("mcp.servers.*.timeout", SECONDS, "seconds one call may take [default: --tool-timeout]"),
    Key("mcp.servers.*.startup_timeout", SECONDS, "seconds to start and list its tools [default: 30]"),
)

SCALARS = tuple(k for k in KEYS if not k.is_entry)
# Tables whose keys are fixed ([history], [budget]) and tables whose entries the user names.
SECTIONS = frozenset(k.parts[0] for k in SCALARS if len(k.parts) > 1)
TABLES = frozenset(k.parts[0] for k in KEYS if k.is_entry)
TOP_LEVEL = frozenset(k.parts[0] for k in KEYS)


def by_env(name: str) -> Key | None:
    return next((k for k in SCALARS if k.env == name), None)


def by_target(target: str) -> Key | None:
    return next((k for k in SCALARS if k.target == target), None)


def closest(name: str, candidates: list[str] | None = None) -> str | None:
    """The known name closest to a mistyped one (``modle`` -> ``model``), or None."""
    names = candidates if candidates is not None else [k.shown for k in KEYS]
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, candidates: list[str] | None = None) -> str:
    near = closest(name, candidates)
    return f" (did you mean {near}?)" if near else ""


# -- KEY paths as typed on the command line: dotted, a part with dots or slashes in quotes -------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.]+)')


def split_path(text: str) -> list[str]:
    """``prices."openai/gpt-4.1".input`` -> ``["prices", "openai/gpt-4.1", "input"]``."""
    from appam_cli.errors import UserError

    parts, pos = [], 0
    while pos <= len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise UserError(f"invalid key {text!r}: write it as in config.toml, e.g. history.auto_save")
        double, single, bare = match.groups()
        parts.append(double.replace('\\"', '"') if double is not None else single if single is not None else bare)
        pos = match.end()
        if pos == len(text):
            break
        if text[pos] != ".":
            raise UserError(f"invalid key {text!r}: write it as in config.toml, e.g. history.auto_save")
        pos += 1
    return [p.strip() if p is not None else "" for p in parts]


def join_path(parts: list[str] | tuple[str, ...]) -> str:
    """The dotted name as config.toml writes it (a part that is not a bare key in quotes)."""
    return ".".join(p if _BARE.match(p) else '"' + p.replace('"', '\\"') + '"' for p in parts)


def fit(pattern: tuple[str, ...], parts: list[str], *, absorb: bool) -> list[str] | None:
    """``parts`` as ``pattern`` names them (``*``: any one name), or None. With ``absorb`` an
    unquoted name with dots (``gpt-4.1`` split in two) is taken whole by the pattern's last ``*``."""
    if len(parts) == len(pattern):
        if all(p == "*" or p == q for p, q in zip(pattern, parts, strict=True)):
            return list(parts)
        return None
    if not absorb or len(parts) < len(pattern) or "*" not in pattern:
        return None
    star = len(pattern) - 1 - pattern[::-1].index("*")
    tail = len(pattern) - star - 1
    rest = len(parts) - tail
    joined = [*parts[:star], ".".join(parts[star:rest]), *parts[rest:]]
    return joined if fit(pattern, joined, absorb=False) is not None else None


def match(parts: list[str]) -> tuple[Key, list[str]] | None:
    """The key a path names, and the path with each ``*`` filled. An unquoted model name with
    dots (``prices.openai/gpt-4.1.input``) is taken whole by the key's last ``*``."""
    from appam_cli import config_keys  # this module's table as it is now (a test may add a row)

    for absorb in (False, True):
        for key in config_keys.KEYS:
            found = fit(key.parts, parts, absorb=absorb)
            if found is not None:
                return key, found
    return None
