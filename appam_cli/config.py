"""Settings: one precedence order everywhere.

command-line flag > ``APPAM_*`` environment variable > ``config.toml`` > default.

``APPAM_HOME`` puts the config file and the data (database, input history) in one
folder; otherwise they live in the platform's user config and data dirs.
Every key is a row of ``config_keys.KEYS``; this module reads them all the same way.
It stays cheap to import (no pydantic): every command reads it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appam_cli.config_values import (
    ENVIRONMENT,
    api_base_url,
    check_max_steps,
    check_max_tokens,
    check_model,
    check_reasoning_effort,
    check_system,
    check_temperature,
)
from appam_cli.datamodel.options import REASONING_EFFORTS, RequestOptions
from appam_cli.datamodel.price import ModelPrice
from appam_cli.datamodel.profile import Profile
from appam_cli.errors import UserError

if TYPE_CHECKING:
    from appam_cli.tools.mcp.config import McpServerConfig

APP_NAME = "appam"
CONFIG_FILE = "config.toml"
# Where a value came from (``Settings.origins``, ``appam config show``).
FLAG, ENV, FILE, DEFAULT = "flag", "environment", "file", "default"

__all__ = [
    "ENVIRONMENT", "REASONING_EFFORTS", "Settings", "api_base_url", "check_max_steps", "check_max_tokens",
    "check_model", "check_reasoning_effort", "check_system", "check_temperature", "config_dir", "config_path",
    "data_dir", "load_settings",
]


@dataclass
class BudgetSettings:
    """``[budget]``: spending caps in USD per UTC day / calendar month (None: no cap)."""

    daily_usd: float | None = None
    monthly_usd: float | None = None


@dataclass
class Settings:
    # How to ask the model; flags are merged over it once (RequestOptions.merged).
    request: RequestOptions = field(default_factory=RequestOptions)
    system: str | None = None  # the system prompt a new session starts with (``system``, APPAM_SYSTEM)
    database_url: str | None = None
    auto_save: bool = True
    max_sessions: int | None = None
    # ``[prices."<model>"]``: USD per million tokens, over the price map, for new requests.
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    # ``[aliases] NAME = "model"`` and ``[profiles.NAME]`` (datamodel/profile.py).
    aliases: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    config_path: Path | None = None
    data_dir: Path = field(default_factory=Path)
    # The provider worker (providers/worker.py): on unless ``worker = false`` / APPAM_PROVIDER_WORKER=0;
    # it exits after ``worker_idle`` seconds without a request.
    worker: bool = True
    worker_idle: float = 600.0
    # ``[tools] auto_approve``: side-effecting tools that run without asking ("run_shell", an MCP
    # server's tool "github.list_issues", or all of a server's tools "github").
    tools_auto_approve: tuple[str, ...] = ()
    # Key name (config_keys) -> where its value came from: flag, environment or file (absent: default).
    origins: dict[str, str] = field(default_factory=dict)
    # ``[mcp.servers.NAME]``: MCP servers a run may use (-T NAME), started only when one does.
    mcp_servers: dict[str, McpServerConfig] = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        return self.request.model

    @property
    def api_base(self) -> str | None:
        return self.request.api_base

    @property
    def db_path(self) -> Path:
        return self.data_dir / "sessions.db"

    def with_flags(self, **flags: Any) -> Settings:
        """These settings with the command-line request options that were given (None: not given)."""
        from appam_cli.config_keys import by_target

        origins = dict(self.origins)
        for name, value in flags.items():
            key = by_target(f"request.{name}")
            if value is not None and key is not None:
                origins[key.name] = FLAG
        return replace(self, request=self.request.merged(**flags), origins=origins)

    def value(self, target: str) -> Any:
        """The value a key's ``target`` names (``request.model``, ``budget.daily_usd``)."""
        value: Any = self
        for part in target.split("."):
            value = getattr(value, part)
        return value


def config_dir() -> Path:
    home = os.environ.get("APPAM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def data_dir() -> Path:
    home = os.environ.get("APPAM_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"invalid config file {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"invalid config file {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror}") from None


def load_settings() -> Settings:
    """Config file, then ``APPAM_*`` variables over it. Flags are applied by the caller."""
    path = config_path()
    return settings_from(read_toml(path), str(path), os.environ, path=path)


def _check_names(data: dict[str, Any], source: str) -> None:
    """Unknown keys and misshapen sections, with the closest known name."""
    from appam_cli.config_keys import SCALARS, SECTIONS, TOP_LEVEL, did_you_mean

    names = sorted(TOP_LEVEL)
    for name in data:
        if name not in TOP_LEVEL:
            raise UserError(
                f"invalid config file {source}: unknown key {name}{did_you_mean(name, names)} "
                "(see `appam config show`)"
            )
    for section in sorted(SECTIONS):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise UserError(f"invalid config file {source}: [{section}] must be a table")
        known = [k.parts[1] for k in SCALARS if k.parts[0] == section]
        for name in table:
            if name not in known:
                hint = did_you_mean(name, known) or f" (use {', '.join(known)})"
                raise UserError(f"invalid config file {source}: unknown key {section}.{name}{hint}")


def _in_file(data: dict[str, Any], parts: tuple[str, ...]) -> tuple[bool, Any]:
    value: Any = data
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def settings_from(
    data: dict[str, Any], source: str, env: Mapping[str, str], *, path: Path | None = None
) -> Settings:
    """Settings from a config file's content (``source`` names it in errors) and the environment."""
    from appam_cli import config_tables
    from appam_cli.config_keys import SCALARS

    _check_names(data, source)
    s = Settings(config_path=path, data_dir=data_dir())
    request: dict[str, Any] = {}
    for key in SCALARS:
        found, raw = _in_file(data, key.parts)
        origin = None
        if found:
            value, origin = key.kind.read(raw, key.name, source), FILE
        if key.env and env.get(key.env):
            value, origin = key.kind.read(env[key.env], key.env, ENVIRONMENT, text=True), ENV
        if origin is None or key.target is None:
            continue
        s.origins[key.name] = origin
        if key.target.startswith("request."):
            request[key.target.removeprefix("request.")] = value
        else:
            *owner, attr = key.target.split(".")
            setattr(s.value(".".join(owner)) if owner else s, attr, value)
    s.request = s.request.merged(**request)
    if "profiles" in data:
        s.profiles = config_tables.profiles(data["profiles"], source)
        s.prices.update(config_tables.profile_prices(data["profiles"], source))
    if "prices" in data:
        s.prices.update(config_tables.prices(data["prices"], source))  # over a profile's own prices
    if "aliases" in data:
        s.aliases = config_tables.aliases(data["aliases"], source, s.profiles)
    if "mcp" in data:
        from appam_cli.tools.mcp.config import parse_mcp

        s.mcp_servers = parse_mcp(data["mcp"], source)
    return s
