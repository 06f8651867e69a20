"""ModelInfo: what ``appam models`` tells of one model (provider, mode, context window, price)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appam_cli.datamodel.price import ModelPrice


@dataclass
class ModelInfo:
    """One row of ``appam models``."""

    model: str
    provider: str
    mode: str | None  # None: the map gives none (its internal entries)
    context_window: int | None
    max_output_tokens: int | None
    price: ModelPrice | None

    def to_dict(self) -> dict[str, Any]:
        per_m = self.price.to_per_million() if self.price else {}
        return {
            "model": self.model,
            "provider": self.provider,
            "mode": self.mode,
            "context_window": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "input_per_million": per_m.get("input"),
            "output_per_million": per_m.get("output"),
            "cache_read_per_million": per_m.get("cache_read"),
            "cache_write_per_million": per_m.get("cache_write"),
        }
