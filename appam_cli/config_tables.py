"""The tables of config.toml whose entries the user names: ``[prices."<model>"]``, ``[aliases]``
and ``[profiles.NAME]``, each read whole and checked strictly (one line naming the entry and
the file, exit 1)."""

from __future__ import annotations

import re
from typing import Any

from appam_cli.config_keys import closest, did_you_mean, join_path
from appam_cli.config_values import api_base_url, env_name, name_list, text_value
from appam_cli.datamodel.price import ModelPrice
from appam_cli.datamodel.profile import Profile
from appam_cli.errors import UserError

PRICE_KEYS = ("input", "output", "cache_read", "cache_write")
PROFILE_KEYS = ("api_base", "api_key_env", "models", "prices")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _table(value: Any, label: str, source: str, example: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UserError(f"invalid config file {source}: [{label}] must be a table{example}")
    return value


def prices(table: Any, source: str, label: str = "prices") -> dict[str, ModelPrice]:
    """``[prices."openai/my-model"] input = 0.5, output = 1.5, cache_read = 0.05, cache_write = 0.6``."""
    table = _table(table, label, source, " of models")
    out = {}
    for model, rates in table.items():
        where = f'[{label}."{model}"]'
        if not isinstance(rates, dict):
            raise UserError(
                f"invalid {where} in {source}: give input and output in USD per million tokens, "
                f'e.g. {where} input = 0.5, output = 1.5'
            )
        rates = {str(k).replace("-", "_"): v for k, v in rates.items()}
        unknown = sorted(set(rates) - set(PRICE_KEYS))
        if unknown:
            raise UserError(
                f"invalid {where} in {source}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], list(PRICE_KEYS))} "
                f"(use {', '.join(PRICE_KEYS)}, in USD per million tokens)"
            )
        missing = [k for k in ("input", "output") if k not in rates]
        if missing:
            raise UserError(f"invalid {where} in {source}: {missing[0]} is required (USD per million tokens)")
        values: dict[str, float] = {}
        for key, value in rates.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UserError(f"invalid {where} {key} in {source}: {value!r} is not a number")
            if value != value or value in (float("inf"), float("-inf")):
                raise UserError(f"invalid {where} {key} in {source}: {value!r} is not a finite number")
            if value < 0:
                raise UserError(f"invalid {where} {key} in {source}: must not be negative")
            values[key] = float(value)
        out[str(model)] = ModelPrice.per_million(
            values["input"], values["output"],
            cache_read=values.get("cache_read"), cache_write=values.get("cache_write"),
        )
    return out


def aliases(table: Any, source: str, profiles: dict[str, Profile]) -> dict[str, str]:
    """``[aliases] fast = "groq/llama-3.3-70b-versatile"``: a name without ``/`` for a model name."""
    table = _table(table, "aliases", source, ', e.g. [aliases] fast = "groq/llama-3.3-70b-versatile"')
    out: dict[str, str] = {}
    for name, model in table.items():
        label = join_path(("aliases", name))
        if not _NAME.match(name):
            raise UserError(
                f"invalid {label} in {source}: an alias is a name without '/' or spaces (e.g. fast)"
            )
        target = text_value(model, label, source)
        if target is None or target != target.strip() or " " in target:
            raise UserError(f"invalid value for {label} in {source}: {model!r} is not a model name")
        out[name] = target
    for name, target in out.items():
        if target in out:
            raise UserError(
                f"invalid {join_path(('aliases', name))} in {source}: {target!r} is an alias too; "
                "an alias names a model"
            )
        prefix = target.split("/", 1)[0]
        if "/" in target and prefix in profiles:
            _check_profile_model(profiles[prefix], target, f"{join_path(('aliases', name))} in {source}")
    return out


def profiles(table: Any, source: str) -> dict[str, Profile]:
    """``[profiles.NAME]`` api_base (required), api_key_env, models, ``[profiles.NAME.prices."<model>"]``."""
    from appam_cli.datamodel.provider_prefixes import PROVIDER_PREFIXES

    table = _table(table, "profiles", source, ', e.g. [profiles.local] api_base = "http://localhost:8080/v1"')
    out: dict[str, Profile] = {}
    for name, body in table.items():
        where = f"[{join_path(('profiles', name))}]"
        if not _NAME.match(name) or "." in name:
            raise UserError(f"invalid {where} in {source}: a profile name is letters, digits, '-' and '_'")
        if name.lower() in PROVIDER_PREFIXES:
            raise UserError(
                f"invalid {where} in {source}: {name!r} is a litellm provider prefix ({name}/MODEL already "
                "goes to that provider); give the profile another name"
            )
        if not isinstance(body, dict):
            raise UserError(f"invalid {where} in {source}: a profile is a table (api_base, api_key_env, models)")
        if "api_key" in body:
            raise UserError(
                f"invalid {where} in {source}: keys are never stored in config; put the key in an environment "
                "variable and name it with api_key_env"
            )
        unknown = sorted(set(body) - set(PROFILE_KEYS))
        if unknown:
            label = join_path(("profiles", name, unknown[0]))
            near = closest(unknown[0], list(PROFILE_KEYS))
            hint = f" (did you mean {near}?)" if near else f" (use {', '.join(PROFILE_KEYS)})"
            raise UserError(f"invalid config file {source}: unknown key {label}{hint}")
        base_key, env_key, models_key = (
            join_path(("profiles", name, field)) for field in ("api_base", "api_key_env", "models")
        )
        base = api_base_url(text_value(body.get("api_base"), base_key, source), base_key, source)
        if base is None:
            raise UserError(f"invalid {where} in {source}: api_base is required (the server's URL)")
        models = tuple(name_list(body["models"], models_key, source)) if "models" in body else ()
        out[name] = Profile(name, base, env_name(body.get("api_key_env"), env_key, source), models)
    return out


def profile_prices(table: Any, source: str) -> dict[str, ModelPrice]:
    """The prices profiles give their models, under the names they are recorded by (``local/qwen``)."""
    out: dict[str, ModelPrice] = {}
    for name, body in (table or {}).items():
        if isinstance(body, dict) and "prices" in body:
            label = join_path(("profiles", name, "prices"))
            for model, price in prices(body["prices"], source, label).items():
                out[f"{name}/{model}"] = price
    return out


def _check_profile_model(profile: Profile, model: str, where: str) -> None:
    served = model.split("/", 1)[1]
    if profile.models and served not in profile.models:
        raise UserError(
            f"invalid {where}: profile {profile.name!r} serves {', '.join(profile.models)}, not {served!r}"
        )
