"""The model names Tab offers after ``-m`` and at the chat's ``/model``: config's aliases, the
models of its provider profiles, then the chat models of litellm's price map (read as data, no
litellm). Speech, transcription, image, embedding and realtime models and litellm's internal
entries are not offered (``prices_data.is_chat_model``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from appam_cli.providers.prices_data import chat_models

if TYPE_CHECKING:
    from appam_cli.datamodel.profile import Profile


def model_choices(
    prefix: str, aliases: Mapping[str, str], profiles: Mapping[str, Profile], *, price_map: bool = True
) -> list[tuple[str, str]]:
    """``(name, what it is)`` of every name ``-m`` takes that starts with ``prefix``: aliases
    first, then profiles' models, then the price map's chat models. A prefix with a provider
    (``anthropic/cl``) also finds the provider's bare names written that way
    (``anthropic/claude-sonnet-4-5``), as litellm accepts them. ``price_map=False`` leaves the
    price map out (the chat offers it only once it has been read in the background). The price
    map's names come without a description: the shells' scripts format each description through
    Rich, which for thousands of names would cost seconds per Tab."""
    out: dict[str, str] = {}
    for name, target in sorted(aliases.items()):
        if name.startswith(prefix):
            out[name] = f"alias of {target}"
    for profile in profiles.values():
        for model in profile.models:
            name = f"{profile.name}/{model}"
            if name.startswith(prefix):
                out.setdefault(name, f"profile {profile.name} ({profile.api_base})")
    if not price_map:
        return list(out.items())
    typed_provider = prefix.partition("/")[0] if "/" in prefix else None
    for name, provider in chat_models().items():
        if name.startswith(prefix):
            out.setdefault(name, "")
        elif typed_provider == provider and "/" not in name and f"{provider}/{name}".startswith(prefix):
            out.setdefault(f"{provider}/{name}", "")
    return list(out.items())
