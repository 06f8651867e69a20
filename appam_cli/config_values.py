"""How one config value is read, strictly: from ``config.toml`` (typed by TOML) or from text
(an ``APPAM_*`` variable, ``appam config set KEY VALUE``), the same way for every key.

A value that would mean something else (``true`` or ``1.9`` for a whole number, ``nan`` or
``inf`` for a number, ``"3"`` in TOML for a number) is refused with one line naming the key
and where it came from, never reinterpreted. Cheap to import: every command reads config.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appam_cli.datamodel.options import REASONING_EFFORTS, TEMPERATURE_RANGE
from appam_cli.errors import UserError

ENVIRONMENT = "the environment"
COMMAND_LINE = "the command line"


def invalid(label: str, source: str, why: str) -> UserError:
    where = "on" if source == COMMAND_LINE else "in"
    return UserError(f"invalid value for {label} {where} {source}: {why}")


def number(
    value: Any, key: str, source: str, kind: type, *, positive: bool = False, what: str = "", hint: str = "",
    text: bool | None = None,
) -> Any:
    """A whole number (``kind`` int) or a finite number (float), never negative (or zero, with
    ``positive``). ``text``: the value is text to parse (the environment, the command line);
    TOML says what it means, so there ``"3"`` is text, not a number."""
    what = what or ("a whole number" if kind is int else "a number")
    bad = invalid(key, source, f"{value!r} is not {what}")
    if text is None:
        text = source == ENVIRONMENT
    if isinstance(value, bool):
        raise bad
    if isinstance(value, str) and text:
        try:
            result = kind(value.strip())
        except ValueError:
            raise bad from None
    elif kind is int and isinstance(value, int) or kind is float and isinstance(value, (int, float)):
        result = kind(value)
    else:
        raise bad
    if kind is float and not math.isfinite(result):
        raise invalid(key, source, f"{value!r} is not a finite number")
    if result < 0 or (positive and result == 0):
        least = "more than 0" if positive else "at least 0"
        raise invalid(key, source, f"must be {least}{hint}")
    return result


def boolean(value: Any, key: str, source: str, text: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise invalid(key, source, f"{value!r} is not true or false")


def text_value(value: Any, key: str, source: str, text: bool = False) -> str | None:
    """A string; none (or "") is no value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(key, source, f"{value!r} is not a string")
    return value


def api_base_url(value: str | None, key: str, source: str | None = None) -> str | None:
    """An ``http://`` or ``https://`` URL with a host, else a config error naming ``key`` (and its file)."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is not None and parts.scheme in ("http", "https") and host and value == value.strip() and " " not in value:
        return value
    where = f" in {source}" if source else ""
    raise UserError(
        f"invalid value for {key}{where}: {value!r} is not an http(s) URL (e.g. http://localhost:11434/v1)"
    )


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def env_name(value: Any, key: str, source: str, text: bool = False) -> str | None:
    """The NAME of an environment variable (that holds a key), never a key itself."""
    name = text_value(value, key, source)
    if name is not None and not _ENV_NAME.match(name):
        raise invalid(
            key, source,
            f"{name!r} is not an environment variable name: give the variable that holds the key "
            "(e.g. LOCAL_API_KEY), never the key itself",
        )
    return name


def name_list(value: Any, key: str, source: str, text: bool = False) -> list[str]:
    """A list of names; from text, separated by commas."""
    if isinstance(value, str) and text:
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise invalid(key, source, f"{value!r} is not a list of names (e.g. [\"qwen\", \"llama\"])")
    return list(value)


@dataclass(frozen=True)
class Kind:
    """How a key's value is read. ``read(value, label, source, text)`` returns what Settings holds
    (None: no value); ``text`` says the value is text to parse (environment, command line).
    ``toml(text, label, source)`` is the TOML value ``appam config set`` writes for that text: a
    number is converted first, so ``read`` is only ever given text from the environment (a check
    written as ``check(value, key, source)`` fits as ``lambda v, k, s, text=False: check(v, k, s)``)."""

    what: str  # shown by ``config show --keys`` / ``config init`` (e.g. "a number")
    read: Callable[..., Any]
    toml_type: type = str

    def toml(self, text: str, label: str, source: str = COMMAND_LINE) -> Any:
        """The typed value to write for ``text``; checked by ``read`` the way the file is read."""
        if self.toml_type is str:
            value: Any = text
        elif self.toml_type is list:
            value = name_list(text, label, source, text=True)
        elif self.toml_type is bool:
            value = boolean(text, label, source)
        else:  # a number, as typed (0 stays 0 where it means "no limit"); checked as the file's would be
            if not text.strip():
                self.read(text, label, source, text=True)  # "" is no value where a key allows that
                return None
            try:
                value = self.toml_type(text.strip())
            except ValueError:
                self.read(text, label, source, text=True)  # the key's own words for what is wrong
                raise invalid(label, source, f"{text!r} is not {self.what}") from None
        self.read(value, label, source, text=False)
        return value


def _whole(**options: Any) -> Kind:
    return Kind(
        options.get("what") or "a whole number",
        lambda v, k, s, text=False: number(v, k, s, int, text=text, **options),
        int,
    )


def _real(**options: Any) -> Kind:
    return Kind(
        options.get("what") or "a number",
        lambda v, k, s, text=False: number(v, k, s, float, text=text, **options),
        float,
    )


def _usd_cap(value: Any, key: str, source: str, text: bool = False) -> float | None:
    """USD, more than 0; no value (or "") is no cap."""
    if value is None or value == "":
        return None
    return number(value, key, source, float, positive=True, what="an amount in USD", hint=" (remove it for no cap)",
                  text=text)


def _url(value: Any, key: str, source: str, text: bool = False) -> str | None:
    return api_base_url(text_value(value, key, source), key, source)


def _zero_is_none(kind: Kind) -> Kind:
    return Kind(kind.what, lambda v, k, s, text=False: kind.read(v, k, s, text) or None, kind.toml_type)


TEXT = Kind("text", text_value)
URL = Kind("an http(s) URL", _url)
ENV_NAME = Kind("an environment variable name", env_name)
NAMES = Kind("a list of names", name_list, list)
BOOL = Kind("true or false", boolean, bool)
WHOLE = _whole()
NUMBER = _real()
POSITIVE = _real(positive=True)
SECONDS = _real(positive=True, what="seconds")
USD_CAP = Kind("an amount in USD", _usd_cap, float)
USD_RATE = _real(what="USD per million tokens")
COUNT_OR_NONE = _zero_is_none(WHOLE)  # 0: no limit


# -- how to answer: keys shared by config.toml, APPAM_* and agents/NAME.toml (agent_files.py) --------
# One function per key; ``source`` names the file (with its line, for an agent file) or the environment.


def check_model(value: Any, key: str, source: str, text: bool = False) -> str | None:
    """A model name; "" is none."""
    return text_value(value, key, source)


def check_system(value: Any, key: str, source: str, text: bool = False) -> str:
    """A system prompt: any text ("" is no system prompt)."""
    if not isinstance(value, str):
        raise invalid(key, source, f"{value!r} is not a string")
    return value


def check_temperature(value: Any, key: str, source: str, text: bool = False) -> float:
    """A number from 0 to 2."""
    low, high = TEMPERATURE_RANGE
    allowed = f"{low:g} to {high:g}"
    result = float(number(value, key, source, float, what=f"a number from {allowed}", hint=f" (use {allowed})",
                          text=text or None))
    if result > high:
        raise invalid(key, source, f"{value!r} is more than {high:g} (use {allowed})")
    return result


def check_max_tokens(value: Any, key: str, source: str, text: bool = False) -> int:
    """A whole number of tokens, more than 0."""
    return int(number(value, key, source, int, positive=True, what="a whole number of tokens", text=text or None))


def check_reasoning_effort(value: Any, key: str, source: str, text: bool = False) -> str:
    """One of REASONING_EFFORTS, as litellm takes them."""
    given = value.strip() if isinstance(value, str) and (text or source == ENVIRONMENT) else value
    if not isinstance(given, str) or given not in REASONING_EFFORTS:
        raise invalid(key, source, f"{value!r} is not one of {', '.join(REASONING_EFFORTS)}")
    return given


def check_max_steps(value: Any, key: str, source: str, text: bool = False) -> int:
    """Provider requests the tool loop may make for one prompt: a whole number, more than 0."""
    return int(number(value, key, source, int, positive=True, what="a whole number of steps", text=text or None))


def tool_names(value: Any, key: str, source: str, text: bool = False) -> tuple[str, ...]:
    """``[tools] auto_approve = ["read_file", "github.list_issues", "github"]``: a list of tool names."""
    if isinstance(value, str) and text:
        value = [part.strip() for part in value.split(",") if part.strip()]
    example = ' (e.g. auto_approve = ["write_file", "github.list_issues"])'
    if not isinstance(value, list):
        raise invalid(key, source, f"{value!r} is not a list of tool names{example}")
    for name in value:
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise invalid(key, source, f"{name!r} is not a tool name{example}")
    return tuple(value)


SYSTEM = Kind("text", lambda v, k, s, text=False: check_system(v, k, s, text) or None)
TEMPERATURE = Kind("a number from 0 to 2", check_temperature, float)
MAX_TOKENS = Kind("a whole number of tokens", check_max_tokens, int)
REASONING_EFFORT = Kind(f"one of {', '.join(REASONING_EFFORTS)}", check_reasoning_effort)
TOOL_NAMES = Kind("a list of tool names", tool_names, list)
