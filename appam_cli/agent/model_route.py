"""A model name as typed (``-m``, ``/model``, config's ``model``, a session's model) resolved
through config's aliases and provider profiles: what is recorded, and where it is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from appam_cli.datamodel.profile import ModelRoute
from appam_cli.errors import UserError

if TYPE_CHECKING:
    from appam_cli.config import Settings


def route_model(settings: Settings, name: str, *, check: bool = True) -> ModelRoute:
    """``fast`` (an alias) -> its model; ``local/qwen`` (profile ``local``) -> that server; any other
    name is litellm's (``check``: a mistyped bare name is a UserError with the closest names)."""
    alias = None
    if name in settings.aliases:
        alias, name = name, settings.aliases[name]
    prefix, slash, rest = name.partition("/")
    profile = settings.profiles.get(prefix) if slash else None
    if profile is not None:
        if not rest:
            raise UserError(f"name a model of profile {prefix!r}: {prefix}/MODEL")
        if profile.models and rest not in profile.models:
            served = ", ".join(f"{prefix}/{m}" for m in profile.models)
            raise UserError(f"profile {prefix!r} serves {served}; not {rest!r}")
        return ModelRoute(name, alias, profile)
    if name in settings.profiles:
        example = settings.profiles[name].models[0] if settings.profiles[name].models else "MODEL"
        raise UserError(f"{name!r} is a provider profile: name one of its models, e.g. {name}/{example}")
    if check:
        from appam_cli.providers.model_names import check_model

        if slash:
            _check_prefix(settings, name, prefix)
        check_model(name)
    return ModelRoute(name, alias)


def _check_prefix(settings: Settings, name: str, prefix: str) -> None:
    """``PREFIX/model`` must name a litellm provider or a profile (or be a name the price map
    knows): a typo is one line before anything is sent, with the closest of both."""
    import difflib

    from appam_cli.datamodel.provider_prefixes import PROVIDER_PREFIXES
    from appam_cli.providers.prices_data import find_entry

    if prefix in PROVIDER_PREFIXES or find_entry(name) is not None:
        return
    near = difflib.get_close_matches(prefix, [*settings.profiles, *PROVIDER_PREFIXES], n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}/{name.split('/', 1)[1]}?" if near else ""
    raise UserError(
        f"unknown provider {prefix!r} in {name!r}: neither a litellm provider nor a profile in config.toml{hint}"
    )
