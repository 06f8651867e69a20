"""Settings: one precedence order everywhere.

command-line flag > ``APPAM_*`` environment variable > ``config.toml`` > default.

``APPAM_HOME`` puts the config file and the data (database, input history) in one
folder; otherwise they live in the platform's user config and data dirs.
This module stays cheap to import (no pydantic): every command reads it.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appam_cli.datamodel.options import RequestOptions
from appam_cli.datamodel.price import ModelPrice
from appam_cli.errors import UserError

if TYPE_CHECKING:
    from appam_cli.tools.mcp.config import McpServerConfig

APP_NAME = "appam"
ENVIRONMENT = "the environment"
PRICE_KEYS = ("input", "output", "cache_read", "cache_write")


@dataclass
class BudgetSettings:
    """``[budget]``: spending caps in USD per UTC day / calendar month (None: no cap)."""

    daily_usd: float | None = None
    monthly_usd: float | None = None


@dataclass
class Settings:
    # How to ask the model; flags are merged over it once (RequestOptions.merged).
    request: RequestOptions = field(default_factory=RequestOptions)
    database_url: str | None = None
    auto_save: bool = True
    max_sessions: int | None = None
    # ``[prices."<model>"]``: USD per million tokens, over the price map, for new requests.
    prices: dict[str, ModelPrice] = field(default_factory=dict)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    config_path: Path | None = None
    data_dir: Path = field(default_factory=Path)
    # The provider worker (providers/worker.py): on unless ``worker = false`` / APPAM_PROVIDER_WORKER=0;
    # it exits after ``worker_idle`` seconds without a request.
    worker: bool = True
    worker_idle: float = 600.0
    # ``[tools] auto_approve``: side-effecting tools that run without asking ("run_shell", an MCP
    # server's tool "github.list_issues", or all of a server's tools "github").
    tools_auto_approve: tuple[str, ...] = ()
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
        return replace(self, request=self.request.merged(**flags))


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
    except UnicodeDecodeError as exc:
        raise UserError(f"invalid config file {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror}") from None


def _number(
    value: Any, key: str, source: str, kind: type, *, positive: bool = False, what: str = "", hint: str = ""
) -> Any:
    """A whole number (``kind`` int) or a finite number (float), never negative (or zero, with
    ``positive``). TOML gives typed values; the environment gives text, parsed the same strict way:
    ``true``, ``1.9`` for a whole number, ``nan`` and ``inf`` are refused, never reinterpreted."""
    what = what or ("a whole number" if kind is int else "a number")
    bad = UserError(f"invalid value for {key} in {source}: {value!r} is not {what}")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, str) and source == ENVIRONMENT:  # TOML says what it means: "3" is text
        try:
            result = kind(value.strip())
        except ValueError:
            raise bad from None
    elif kind is int and isinstance(value, int) or kind is float and isinstance(value, (int, float)):
        result = kind(value)
    else:
        raise bad
    if kind is float and not math.isfinite(result):
        raise UserError(f"invalid value for {key} in {source}: {value!r} is not a finite number")
    if result < 0 or (positive and result == 0):
        least = "more than 0" if positive else "at least 0"
        raise UserError(f"invalid value for {key} in {source}: must be {least}{hint}")
    return result


def _boolean(value: Any, key: str, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UserError(f"invalid value for {key} in {source}: {value!r} is not true or false")


def _prices(table: Any, source: str) -> dict[str, ModelPrice]:
    """``[prices."openai/my-model"] input = 0.5, output = 1.5, cache_read = 0.05, cache_write = 0.6``."""
    if not isinstance(table, dict):
        raise UserError(f"invalid config file {source}: [prices] must be a table of models")
    prices = {}
    for model, rates in table.items():
        where = f'[prices."{model}"]'
        if not isinstance(rates, dict):
            raise UserError(
                f"invalid {where} in {source}: give input and output in USD per million tokens, "
                f'e.g. [prices."{model}"] input = 0.5, output = 1.5'
            )
        rates = {str(k).replace("-", "_"): v for k, v in rates.items()}
        unknown = sorted(set(rates) - set(PRICE_KEYS))
        if unknown:
            raise UserError(
                f"invalid {where} in {source}: unknown key {unknown[0]!r} (use {', '.join(PRICE_KEYS)}, "
                "in USD per million tokens)"
            )
        missing = [k for k in ("input", "output") if k not in rates]
        if missing:
            raise UserError(f"invalid {where} in {source}: {missing[0]} is required (USD per million tokens)")
        values: dict[str, float] = {}
        for key, value in rates.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UserError(f"invalid {where} {key} in {source}: {value!r} is not a number")
            if value < 0:
                raise UserError(f"invalid {where} {key} in {source}: must not be negative")
            values[key] = float(value)
        prices[str(model)] = ModelPrice.per_million(
            values["input"],
            values["output"],
            cache_read=values.get("cache_read"),
            cache_write=values.get("cache_write"),
        )
    return prices


def _budget_amount(value: Any, key: str, source: str) -> float | None:
    """USD, more than 0; no value (or "") is no cap."""
    if value is None or value == "":
        return None
    return _number(value, key, source, float, positive=True, what="an amount in USD", hint=" (remove it for no cap)")


TOP_LEVEL_KEYS = {
    "model", "api_base", "database_url", "timeout", "retries", "retry_max_wait", "history", "prices", "budget",
    "worker", "worker_idle", "tools", "mcp",
}
HISTORY_KEYS = {"auto_save", "max_sessions"}
# Request options read as numbers from config.toml and from APPAM_<KEY> in the environment.
NUMBER_KEYS: dict[str, type] = {"timeout": float, "retries": int, "retry_max_wait": float}
POSITIVE_KEYS = {"timeout"}


def _text(value: Any, key: str, source: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UserError(f"invalid value for {key} in {source}: {value!r} is not a string")
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


TOOLS_KEYS = {"auto_approve"}


def _tools_table(table: Any, source: str) -> tuple[str, ...]:
    """``[tools] auto_approve = ["read_file", "github.list_issues", "github"]``: a list of tool names."""
    if not isinstance(table, dict):
        raise UserError(f"invalid config file {source}: [tools] must be a table")
    unknown = sorted(set(table) - TOOLS_KEYS)
    if unknown:
        raise UserError(f"invalid config file {source}: unknown key tools.{unknown[0]} (use auto_approve)")
    names = table.get("auto_approve", [])
    example = ' (e.g. auto_approve = ["write_file", "github.list_issues"])'
    if not isinstance(names, list):
        raise UserError(
            f"invalid value for tools.auto_approve in {source}: {names!r} is not a list of tool names{example}"
        )
    for name in names:
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise UserError(f"invalid value for tools.auto_approve in {source}: {name!r} is not a tool name{example}")
    return tuple(names)


def load_settings() -> Settings:
    """Config file, then ``APPAM_*`` variables over it. Flags are applied by the caller."""
    path = config_dir() / "config.toml"
    data = _read_toml(path)
    source = str(path)
    history = data.get("history", {})
    if not isinstance(history, dict):
        raise UserError(f"invalid config file {path}: [history] must be a table")
    unknown = sorted(set(data) - TOP_LEVEL_KEYS) or sorted(f"history.{k}" for k in set(history) - HISTORY_KEYS)
    if unknown:
        raise UserError(f"invalid config file {path}: unknown key {unknown[0]} (see the README's Configuration)")
    s = Settings(config_path=path, data_dir=data_dir())
    env = os.environ
    request: dict[str, Any] = {
        "model": _text(data.get("model"), "model", source),
        "api_base": api_base_url(_text(data.get("api_base"), "api_base", source), "api_base", source),
    }
    s.database_url = _text(data.get("database_url"), "database_url", source)
    for key, kind in NUMBER_KEYS.items():
        if key in data:
            request[key] = _number(data[key], key, source, kind, positive=key in POSITIVE_KEYS)
    if "worker" in data:
        s.worker = _boolean(data["worker"], "worker", source)
    if "worker_idle" in data:
        s.worker_idle = _number(data["worker_idle"], "worker_idle", source, float, positive=True, what="seconds")
    if "auto_save" in history:
        s.auto_save = _boolean(history["auto_save"], "history.auto_save", source)
    if history.get("max_sessions") is not None:
        s.max_sessions = _number(history["max_sessions"], "history.max_sessions", source, int) or None
    if "prices" in data:
        s.prices = _prices(data["prices"], source)
    if "mcp" in data:
        from appam_cli.tools.mcp.config import parse_mcp

        s.mcp_servers = parse_mcp(data["mcp"], source)
    budget = data.get("budget", {})
    if not isinstance(budget, dict):
        raise UserError(f"invalid config file {path}: [budget] must be a table")
    unknown = sorted(set(budget) - {"daily_usd", "monthly_usd"})
    if unknown:
        raise UserError(f"invalid config file {path}: unknown key budget.{unknown[0]} (use daily_usd, monthly_usd)")
    s.budget.daily_usd = _budget_amount(budget.get("daily_usd"), "budget.daily_usd", source)
    s.budget.monthly_usd = _budget_amount(budget.get("monthly_usd"), "budget.monthly_usd", source)
    s.tools_auto_approve = _tools_table(data.get("tools", {}), source)

    request["model"] = env.get("APPAM_MODEL") or request["model"]
    if env.get("APPAM_API_BASE"):
        request["api_base"] = api_base_url(env["APPAM_API_BASE"], "APPAM_API_BASE", ENVIRONMENT)
    s.database_url = env.get("APPAM_DATABASE_URL") or s.database_url
    for key, kind in NUMBER_KEYS.items():
        name = f"APPAM_{key.upper()}"
        if env.get(name):
            request[key] = _number(env[name], name, ENVIRONMENT, kind, positive=key in POSITIVE_KEYS)
    if env.get("APPAM_PROVIDER_WORKER"):
        s.worker = _boolean(env["APPAM_PROVIDER_WORKER"], "APPAM_PROVIDER_WORKER", ENVIRONMENT)
    if env.get("APPAM_WORKER_IDLE"):
        s.worker_idle = _number(
            env["APPAM_WORKER_IDLE"], "APPAM_WORKER_IDLE", ENVIRONMENT, float, positive=True, what="seconds"
        )
    if env.get("APPAM_AUTO_SAVE"):
        s.auto_save = _boolean(env["APPAM_AUTO_SAVE"], "APPAM_AUTO_SAVE", ENVIRONMENT)
    if env.get("APPAM_MAX_SESSIONS"):
        s.max_sessions = _number(env["APPAM_MAX_SESSIONS"], "APPAM_MAX_SESSIONS", ENVIRONMENT, int) or None
    if env.get("APPAM_BUDGET_DAILY_USD"):
        s.budget.daily_usd = _budget_amount(env["APPAM_BUDGET_DAILY_USD"], "APPAM_BUDGET_DAILY_USD", ENVIRONMENT)
    if env.get("APPAM_BUDGET_MONTHLY_USD"):
        s.budget.monthly_usd = _budget_amount(
            env["APPAM_BUDGET_MONTHLY_USD"], "APPAM_BUDGET_MONTHLY_USD", ENVIRONMENT
        )
    s.request = s.request.merged(**request)
    return s
