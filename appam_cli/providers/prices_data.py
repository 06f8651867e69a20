"""litellm's bundled price map, read as a data file: no litellm import, no network.

litellm ships ``model_prices_and_context_window_backup.json`` inside its package.
We find the package folder with ``importlib.util.find_spec`` (which locates a
top-level package without running it) and parse the JSON ourselves (~25 ms), so
``appam models``, ``appam usage --reprice`` and the cost of a request never need
the 3-4 s ``import litellm``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from appam_cli.datamodel.model_info import ModelInfo
from appam_cli.datamodel.price import PER_MILLION, ModelPrice, OffPeak

PRICE_FILE = "model_prices_and_context_window_backup.json"
CHAT_MODES = ("chat", "completion", "responses")
# Words of a model's name that mark it as no text chat model even where the map's mode says "chat"
# (``gemini-2.5-pro-preview-tts``, ``gpt-audio``, ``gemini/lyria-realtime-exp``, ``…/mistral-embed``).
NOT_CHAT_WORDS = frozenset(
    ("tts", "speech", "audio", "transcribe", "transcription", "whisper", "realtime", "image", "embed", "embedding")
)
_NAME_WORDS = re.compile(r"[/._:@-]+")
# Providers that bill cached prompt tokens at a fixed share of the input rate when the map
# gives no cache-read rate (docs.fireworks.ai/guides/prompt-caching: 50 % off; litellm does the same).
DEFAULT_CACHE_READ_RATIO = {"fireworks_ai": 0.5}
_TIER = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
                   r"cache_creation_input_token_cost)_above_(\d+)k_tokens$")


def price_map_path() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / PRICE_FILE
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def price_map() -> dict[str, dict[str, Any]]:
    """Model name -> litellm's entry (prices, context window, provider, mode). Empty if missing."""
    path = price_map_path()
    if path is None:
        return {}
    try:
        with path.open("rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"}


def find_entry(model: str) -> tuple[str, dict[str, Any]] | None:
    """The map's entry for a model name as litellm takes it: ``gpt-4o-mini``,
    ``openai/gpt-4o-mini``, ``anthropic/claude-sonnet-4-5``, ``gemini/gemini-2.5-flash``."""
    data = price_map()
    entry = data.get(model)
    if entry is not None:
        return model, entry
    provider, _, rest = model.partition("/")
    if rest:
        entry = data.get(rest)
        if entry is not None and entry.get("litellm_provider") == provider:
            return rest, entry
    return None


def _rate(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def price_from_entry(entry: dict[str, Any]) -> ModelPrice | None:
    """A ModelPrice from an entry priced per token; None when it is not (per second, per image…)."""
    input_rate, output_rate = _rate(entry, "input_cost_per_token"), _rate(entry, "output_cost_per_token")
    if input_rate is None or output_rate is None:
        return None
    tier = None
    threshold = None
    tiers: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        match = _TIER.match(key)
        if match and isinstance(value, (int, float)):
            tiers.setdefault(int(match.group(2)) * 1000, {})[match.group(1)] = float(value)
    if tiers:
        threshold = min(tiers)
        rates = tiers[threshold]
        tier = ModelPrice(
            input=rates.get("input_cost_per_token", input_rate),
            output=rates.get("output_cost_per_token", output_rate),
            cache_read=rates.get("cache_read_input_token_cost", _rate(entry, "cache_read_input_token_cost")),
            cache_write=rates.get(
                "cache_creation_input_token_cost", _rate(entry, "cache_creation_input_token_cost")
            ),
            reasoning=_rate(entry, "output_cost_per_reasoning_token"),
        )
    cache_read = _rate(entry, "cache_read_input_token_cost")
    ratio = DEFAULT_CACHE_READ_RATIO.get(str(entry.get("litellm_provider")))
    if cache_read is None and ratio is not None:
        cache_read = input_rate * ratio
    price = ModelPrice(
        input=input_rate,
        output=output_rate,
        cache_read=cache_read,
        cache_write=_rate(entry, "cache_creation_input_token_cost"),
        reasoning=_rate(entry, "output_cost_per_reasoning_token"),
        tier_threshold=threshold,
        tier=tier,
    )
    off_peak = _off_peak(entry.get("off_peak_pricing"), price)
    return replace(price, off_peak=off_peak) if off_peak else price


_DAYS = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                           "sunday"), start=1)}


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    return (int(hours) % 24) * 60 + int(minutes or 0)


def _windows(hours: Any, weekdays: Any) -> list[tuple[int, int, frozenset[int] | None]]:
    spans = [hours] if isinstance(hours, str) else list(hours or [])
    days = None
    if weekdays:
        days = frozenset(d if isinstance(d, int) else _DAYS[str(d).strip().lower()] for d in weekdays)
    out = []
    for span in spans:
        start, _, end = str(span).partition("-")
        out.append((_minutes(start), _minutes(end), days))
    return out


def _off_peak(block: Any, base: ModelPrice) -> OffPeak | None:
    """litellm's ``off_peak_pricing``: UTC hour windows (and weekday rules) with cheaper rates."""
    if not isinstance(block, dict):
        return None
    try:
        windows = _windows(block.get("hours_utc"), None)
        for rule in block.get("windows") or []:
            windows += _windows(rule.get("hours_utc"), rule.get("weekdays"))
    except (KeyError, ValueError, TypeError, AttributeError):
        return None  # a shape we do not understand: the standard rates stay
    if not windows:
        return None

    def rate(key: str, standard: float | None) -> float | None:
        value = _rate(block, key)
        return value if value is not None else standard

    rates = ModelPrice(
        input=rate("input_cost_per_token", base.input) or 0.0,
        output=rate("output_cost_per_token", base.output) or 0.0,
        cache_read=rate("cache_read_input_token_cost", base.cache_read),
        cache_write=rate("cache_creation_input_token_cost", base.cache_write),
        reasoning=rate("output_cost_per_reasoning_token", base.reasoning),
    )
    return OffPeak(rates, tuple(windows), str(block.get("weekday_timezone") or "UTC"))


def map_price(model: str) -> ModelPrice | None:
    found = find_entry(model)
    return price_from_entry(found[1]) if found else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def model_info(name: str, entry: dict[str, Any]) -> ModelInfo:
    return ModelInfo(
        model=name,
        provider=str(entry.get("litellm_provider") or ""),
        mode=str(entry["mode"]) if entry.get("mode") else None,
        context_window=_int(entry.get("max_input_tokens")) or _int(entry.get("max_tokens")),
        max_output_tokens=_int(entry.get("max_output_tokens")),
        price=price_from_entry(entry),
    )


def is_chat_model(name: str, entry: dict[str, Any]) -> bool:
    """Whether the map's entry is a model one chats with in text: its ``mode`` is chat, completion
    or responses, and its name is not that of a speech, transcription, realtime, image or embedding
    model. litellm's internal entries are not: price tiers and ``fallback_generalizations`` (no
    mode or no provider), and the ``ft:`` templates of fine-tuned models' prices."""
    if entry.get("mode") not in CHAT_MODES or not entry.get("litellm_provider") or name.startswith("ft:"):
        return False
    return NOT_CHAT_WORDS.isdisjoint(_NAME_WORDS.split(name.lower()))


@lru_cache(maxsize=1)
def chat_models() -> dict[str, str]:
    """Name -> provider of every chat model of the map (``is_chat_model``), in the map's order."""
    return {
        name: str(entry["litellm_provider"]) for name, entry in price_map().items() if is_chat_model(name, entry)
    }


def list_models(search: str | None = None, provider: str | None = None, *, every: bool = False) -> list[ModelInfo]:
    """Chat models of the map (``every``: all its entries), by name; ``search`` matches words of
    the name or provider."""
    terms = (search or "").lower().split()
    out = []
    for name, entry in price_map().items():
        if not every and not is_chat_model(name, entry):
            continue
        where = f"{name} {entry.get('litellm_provider') or ''}".lower()
        if any(t not in where for t in terms):
            continue
        if provider and str(entry.get("litellm_provider") or "").lower() != provider.lower():
            continue
        out.append(model_info(name, entry))
    exact = (search or "").strip().lower()

    def rank(m: ModelInfo) -> tuple:
        name = m.model.lower()
        return (0 if name == exact else 1 if name.split("/")[-1] == exact else 2, m.provider, m.model)

    out.sort(key=rank)
    return out


def context_window(model: str) -> int | None:
    """The model's input context window in tokens (e.g. for a chat toolbar), or None."""
    found = find_entry(model)
    return model_info(*found).context_window if found else None


__all__ = [
    "PER_MILLION",
    "context_window",
    "chat_models",
    "find_entry",
    "is_chat_model",
    "list_models",
    "map_price",
    "price_from_entry",
    "price_map",
    "price_map_path",
]
