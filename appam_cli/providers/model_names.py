"""Is a model name one litellm can route? Checked against the bundled price map, without litellm.

A name with a provider prefix (``ollama/x``, ``openai/x`` for a server at ``--api-base``,
a brand-new ``anthropic/…``) always goes through: the provider decides. A bare name must be
one the map knows (litellm finds its provider there); otherwise it is a typo or a missing
prefix, and the closest names of the map are suggested.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

from appam_cli.errors import UserError
from appam_cli.providers.keys import DEFAULT_MODELS
from appam_cli.providers.prices_data import is_chat_model, price_map

SUGGESTIONS = 3


def is_known(model: str) -> bool:
    """True unless the name is bare (no ``provider/``) and missing from the price map."""
    return "/" in model or model in price_map() or not price_map()


# Providers whose own names are suggested first: those appam picks a default model from, and two more.
PRIMARY = frozenset(
    {model.split("/")[0] if "/" in model else "openai" for _, model in DEFAULT_MODELS} | {"xai", "ollama"}
)
CUTOFF = 0.6


@lru_cache(maxsize=1)
def _candidates() -> dict[str, tuple[str, bool]]:
    """Lower-cased bare name -> (the name to suggest, ``provider/name``; a primary provider's).

    Only providers' own names (``claude-sonnet-4-5`` of anthropic, ``gemini/gemini-2.5-flash``),
    not the same model resold under another route (bedrock ids, azure deployments)."""
    out: dict[str, tuple[str, bool]] = {}
    for key, entry in price_map().items():
        provider = str(entry.get("litellm_provider") or "")
        if not is_chat_model(key, entry):
            continue
        prefix, _, rest = key.partition("/")
        if not rest:
            name, bare = f"{provider}/{key}", key
        elif prefix == provider and "/" not in rest:
            name, bare = key, rest
        else:
            continue
        primary = provider in PRIMARY
        if bare.lower() not in out or primary and not out[bare.lower()][1]:
            out[bare.lower()] = (name, primary)
    return out


def suggestions(model: str, count: int = SUGGESTIONS) -> list[str]:
    """The map's names closest to ``model``, best first: a primary provider's names before others,
    appam's default model of a provider before its other close names, then by similarity."""
    candidates = _candidates()
    typed = model.lower()
    defaults = {name if "/" in name else f"openai/{name}" for _, name in DEFAULT_MODELS}
    scored = []
    for bare, (name, primary) in candidates.items():
        ratio = difflib.SequenceMatcher(None, typed, bare).ratio()
        if ratio >= CUTOFF:
            scored.append((not primary, not (name in defaults and ratio >= 0.75), -ratio, len(bare), name))
    scored.sort()
    return [item[-1] for item in scored[:count]]


def check_model(model: str) -> None:
    """Raise UserError (exit 1) for a bare name litellm cannot route, with the closest known names."""
    if is_known(model):
        return
    close = suggestions(model)
    if close:
        options = close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]
        raise UserError(f"unknown model {model!r}; did you mean {options}?")
    raise UserError(
        f"unknown model {model!r}: name its provider, e.g. openai/{model} with --api-base URL for an "
        f"OpenAI-compatible server, or ollama/{model}"
    )
