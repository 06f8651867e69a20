"""Settings: one precedence order everywhere.

command-line flag > ``APPAM_*`` environment variable > ``config.toml`` > default.

``APPAM_HOME`` puts the config file and the data (database, input history) in one
folder; otherwise they live in the platform's user config and data dirs.
This module stays cheap to import (no pydantic): every command reads it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appam_cli.errors import UserError

APP_NAME = "appam"


@dataclass
class Settings:
    model: str | None = None
    api_base: str | None = None
    database_url: str | None = None
    timeout: float = 600.0
    retries: int = 3
    retry_max_wait: float = 60.0
    auto_save: bool = True
    max_sessions: int | None = None
    config_path: Path | None = None
    data_dir: Path = field(default_factory=Path)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sessions.db"


def config_dir() -> Path:
    home = os.environ.get("APPAM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    home = os.environ.get("APPAM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"invalid config file {path}: {exc}") from None
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror}") from None


def _number(value: Any, key: str, source: str, kind: type) -> Any:
    try:
        result = kind(value)
    except (TypeError, ValueError):
        raise UserError(f"invalid value for {key} in {source}: {value!r} is not a {kind.__name__}") from None
    if result < 0:
        raise UserError(f"invalid value for {key} in {source}: must not be negative")
    return result


def _boolean(value: Any, key: str, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UserError(f"invalid value for {key} in {source}: {value!r} is not true or false")


def load_settings() -> Settings:
    """Config file, then ``APPAM_*`` variables over it. Flags are applied by the caller."""
    path = config_dir() / "config.toml"
    data = _read_toml(path)
    source = str(path)
    history = data.get("history", {})
    if not isinstance(history, dict):
        raise UserError(f"invalid config file {path}: [history] must be a table")
    s = Settings(config_path=path, data_dir=data_dir(), raw=data)
    s.model = data.get("model") or None
    s.api_base = data.get("api_base") or None
    s.database_url = data.get("database_url") or None
    if "timeout" in data:
        s.timeout = _number(data["timeout"], "timeout", source, float)
    if "retries" in data:
        s.retries = _number(data["retries"], "retries", source, int)
    if "retry_max_wait" in data:
        s.retry_max_wait = _number(data["retry_max_wait"], "retry_max_wait", source, float)
    if "auto_save" in history:
        s.auto_save = _boolean(history["auto_save"], "history.auto_save", source)
    if history.get("max_sessions") is not None:
        s.max_sessions = _number(history["max_sessions"], "history.max_sessions", source, int) or None

    env = os.environ
    s.model = env.get("APPAM_MODEL") or s.model
    s.api_base = env.get("APPAM_API_BASE") or s.api_base
    s.database_url = env.get("APPAM_DATABASE_URL") or s.database_url
    if env.get("APPAM_TIMEOUT"):
        s.timeout = _number(env["APPAM_TIMEOUT"], "APPAM_TIMEOUT", "the environment", float)
    if env.get("APPAM_RETRIES"):
        s.retries = _number(env["APPAM_RETRIES"], "APPAM_RETRIES", "the environment", int)
    if env.get("APPAM_RETRY_MAX_WAIT"):
        s.retry_max_wait = _number(env["APPAM_RETRY_MAX_WAIT"], "APPAM_RETRY_MAX_WAIT", "the environment", float)
    if env.get("APPAM_AUTO_SAVE"):
        s.auto_save = _boolean(env["APPAM_AUTO_SAVE"], "APPAM_AUTO_SAVE", "the environment")
    if env.get("APPAM_MAX_SESSIONS"):
        s.max_sessions = _number(env["APPAM_MAX_SESSIONS"], "APPAM_MAX_SESSIONS", "the environment", int) or None
    return s
