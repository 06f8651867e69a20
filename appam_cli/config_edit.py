"""Changing config.toml in place: one key set or removed, the file's comments and order kept
(tomlkit, imported only here), the result checked as ``load_settings`` would read it before it is
written; the effective values and their origins for ``appam config show``; the starter file.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appam_cli import config_keys
from appam_cli.config import DEFAULT, ENV, FILE, Settings, read_toml, settings_from
from appam_cli.config_keys import Key, did_you_mean, fit, join_path, match, split_path
from appam_cli.errors import UserError


@dataclass
class Located:
    """A KEY as typed, resolved: the key of the table and the path in the file (``*`` filled).
    ``key`` None: a whole entry of a table (``prices."openai/x"``, ``profiles.local``), set from an
    inline table (``input = 0.5, output = 1.5``)."""

    key: Key | None
    parts: list[str]

    @property
    def name(self) -> str:
        return join_path(self.parts)


def locate(text: str) -> Located:
    """The key ``text`` names; UserError with the closest known one when there is none."""
    parts = split_path(text.strip())
    found = match(parts)
    entry = _entry(parts) if found is None else None
    if entry is not None:
        return Located(None, entry)
    if found is None:
        raise UserError(f"unknown config key {text!r}{did_you_mean(text.strip())} (see `appam config show --keys`)")
    return Located(*found)


def _entry(parts: list[str]) -> list[str] | None:
    """``parts`` names one entry of a table of tables (every ``*`` of a key's leading parts filled):
    that path, or an unquoted name with dots taken whole where the entry has one ``*`` (``prices.gpt-4.1``)."""
    starred = {
        key.parts[:size] for key in config_keys.KEYS for size in range(2, len(key.parts)) if key.parts[size - 1] == "*"
    }
    heads = sorted(starred, key=lambda head: (-len(head), head))
    for absorb in (False, True):
        for head in heads:
            found = fit(head, parts, absorb=absorb)
            if found is not None:
                return found
    return None


def is_table(text: str) -> bool:
    """``text`` names a table of the file ([history], [aliases], a profile), not one key."""
    parts = split_path(text.strip())
    if parts[0] not in config_keys.SECTIONS | config_keys.TABLES:
        return False
    return len(parts) == 1 or parts[0] == "profiles" and len(parts) == 2


# -- reading --------------------------------------------------------------------------------


def file_value(data: dict[str, Any], parts: list[str]) -> tuple[bool, Any]:
    value: Any = data
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def effective(settings: Settings, data: dict[str, Any], at: Located) -> tuple[Any, str]:
    """The value a key has now and where it came from (an entry of a table: the file's)."""
    if at.key is None or at.key.target is None:
        found, value = file_value(data, at.parts)
        return (value, FILE) if found else (None, DEFAULT)
    return settings.value(at.key.target), settings.origins.get(at.key.name, DEFAULT)


@dataclass
class Row:
    name: str
    value: Any
    origin: str  # flag / environment / file / default
    note: str = ""  # e.g. the variable, or what no value means


def rows(settings: Settings, data: dict[str, Any]) -> list[Row]:
    """Every scalar key, then every entry of the file's tables, with its value and origin."""
    out = []
    for key in config_keys.SCALARS:
        assert key.target is not None
        origin = settings.origins.get(key.name, DEFAULT)
        value = settings.value(key.target)
        note = f"${key.env}" if origin == ENV and key.env else ""
        if value is None and key.default_text:
            note = key.default_text
        out.append(Row(key.name, value, origin, note))
    for table in sorted(config_keys.TABLES):
        for parts, value in _leaves(data.get(table), [table]):
            out.append(Row(join_path(parts), value, FILE))
    return out


def _leaves(value: Any, parts: list[str]):
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _leaves(inner, [*parts, name])
    elif value is not None:
        yield parts, value


def toml_text(value: Any) -> str:
    """A value as config.toml writes it."""
    import tomlkit

    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update(value)
        return table.as_string()
    return tomlkit.item(value).as_string()


# -- writing --------------------------------------------------------------------------------


def _document(path: Path) -> Any:
    import tomlkit

    read_toml(path)  # unreadable or not TOML: the same one line as everywhere
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tomlkit.document()


def _table_for(doc: Any, parts: list[str]) -> Any:
    """The table that holds the last part, created (as a [table]) where missing."""
    import tomlkit

    table = doc
    for i, part in enumerate(parts[:-1]):
        if part not in table:
            # A table of tables ([profiles], [prices]) is written as its sub-tables' headers only.
            table[part] = tomlkit.table(is_super_table=i + 2 < len(parts) or parts[0] in ("profiles", "prices"))
        table = table[part]
        if not isinstance(table, dict):
            raise UserError(f"cannot set {join_path(parts)}: {join_path(parts[: i + 1])} is not a table in the file")
    return table


def set_value(path: Path, at: Located, text: str) -> Any:
    """Write ``KEY = VALUE`` (checked first, the whole file as it would be); the value written."""
    value = at.key.kind.toml(text, at.name) if at.key is not None else _inline_table(text, at.name)
    if value is None:
        raise UserError(f"no value given for {at.name}: use `appam config unset {at.name}` to remove it")
    doc = _document(path)
    _table_for(doc, at.parts)[at.parts[-1]] = value
    _write_checked(path, doc)
    return value


def _inline_table(text: str, name: str) -> dict[str, Any]:
    """``input = 0.5, output = 1.5`` (braces optional) as a table."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        body = "{" + body + "}"
    try:
        value = tomllib.loads(f"v = {body}")["v"]
    except tomllib.TOMLDecodeError:
        raise UserError(
            f"invalid value for {name}: {text!r} is not a list of KEY = VALUE, e.g. 'input = 0.5, output = 1.5'"
        ) from None
    return dict(value)


def stray(path: Path, text: str) -> Located | None:
    """A key the file holds that no row of the table knows (a typo to remove), or None."""
    parts = split_path(text.strip())
    if match(parts) is not None or _entry(parts) is not None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Located(None, parts) if file_value(data, parts)[0] else None


def unset_value(path: Path, at: Located) -> bool:
    """Remove KEY from the file (False: it was not there). Refused when it would turn a valid file
    into an invalid one; a file that is invalid already (a typo being removed) is only made better."""
    import tomlkit

    doc = _document(path)
    try:
        check_text(tomlkit.dumps(doc), path)
        valid = True
    except UserError:
        valid = False
    table = doc
    for part in at.parts[:-1]:
        if part not in table or not isinstance(table[part], dict):
            return False
        table = table[part]
    if at.parts[-1] not in table:
        return False
    del table[at.parts[-1]]
    if valid:
        _write_checked(path, doc)
    else:
        write_file(path, tomlkit.dumps(doc))
    return True


def _write_checked(path: Path, doc: Any) -> None:
    import tomlkit

    text = tomlkit.dumps(doc)
    check_text(text, path)
    write_file(path, text)


def check_text(text: str, path: Path) -> None:
    """Raise the error ``load_settings`` would give for this content (the environment aside)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"invalid config file {path}: {exc}") from None
    settings_from(data, str(path), {})


def write_file(path: Path, text: str) -> None:
    """Replace the file whole (a temporary file renamed over it): never half written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UserError(f"cannot write config file {path}: {exc.strerror}") from None


# -- the starter file -----------------------------------------------------------------------


def starter_text() -> str:
    """A commented config.toml: every key with its help and its default (or an example), commented out."""
    defaults = Settings()
    lines = [
        "# appam configuration. Precedence: command-line flag > APPAM_* variable > this file > default.",
        "# Uncomment a line to change it; `appam config show` lists what is in effect and where it comes from.",
        "",
    ]
    section = None
    for key in config_keys.SCALARS:
        assert key.target is not None
        head = key.parts[0] if len(key.parts) > 1 else None
        if head != section:
            section = head
            lines += ["", f"[{head}]"]
        value = defaults.value(key.target)
        shown = value if value is not None else key.example
        env = f" (${key.env})" if key.env else ""
        lines.append(f"# {key.help}{env}")
        lines.append(f"# {key.parts[-1]} = {toml_text(shown)}")
    lines += [
        "",
        "# Short names for models: -m fast",
        "[aliases]",
        '# fast = "groq/llama-3.3-70b-versatile"',
        "",
        "# A server for -m local/MODEL (llama.cpp, vLLM, LM Studio, a LiteLLM proxy, OpenRouter).",
        "# api_key_env names the variable that holds its key: keys are never stored here.",
        "# [profiles.local]",
        '# api_base = "http://localhost:8080/v1"',
        '# api_key_env = "LOCAL_API_KEY"',
        '# models = ["qwen"]                      # optional: the models it serves',
        "# [profiles.local.prices.qwen]           # optional: USD per million tokens",
        "# input = 0.0",
        "# output = 0.0",
        "",
        '# Prices for models litellm\'s price map does not know (USD per million tokens).',
        '# [prices."openai/my-model"]',
        "# input = 0.50",
        "# output = 1.50",
        "",
    ]
    return "\n".join(lines)


