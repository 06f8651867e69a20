"""The cost of a request: configured prices first, then litellm's bundled price map.

Computed here from the map's per-token rates (``providers.prices_data``) rather
than with ``litellm.cost_per_token``, so that pricing needs no litellm import
(``appam usage --reprice`` prices old rows offline in milliseconds) and config
prices and map prices go through one formula (``ModelPrice.cost``): cache reads
and writes at their own rates, the uncached rest of the input at the input rate,
reasoning at the reasoning rate when the map has one (else as output, as OpenAI
and Anthropic bill it), long-context tiers and off-peak hours where the map lists them.

Checked against ``litellm.cost_per_token`` (1.106.2) over every per-token-priced chat
model of the map, with cache reads, cache writes and reasoning: the same dollars
wherever litellm can price the name. Two rules litellm applies beyond the plain rates
are mirrored here: DeepSeek's off-peak windows (``off_peak_pricing``) and Fireworks'
default cache-read rate of half the input rate. Reasons not to call it at run time:
it needs the 3-4 s import, it raises for unknown names, and for some providers
(github_copilot) it even tries to authenticate over the network.

A model with no known price has cost None (unknown), never $0.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from appam_cli.datamodel.price import ModelPrice
from appam_cli.datamodel.usage import RequestUsage
from appam_cli.providers.prices_data import map_price


def price_for(model: str, configured: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """Config ``[prices."<model>"]`` wins over the map; None when neither knows the model."""
    if configured and model in configured:
        return configured[model]
    return map_price(model)


def request_cost(
    model: str, usage: RequestUsage, price: ModelPrice | None = None, at: datetime | None = None
) -> float | None:
    """USD for one request's usage (made ``at``, default now: off-peak rates depend on it),
    or None when the model's price is unknown."""
    price = price if price is not None else map_price(model)
    if price is None:
        return None
    return price.cost(usage, at or datetime.now(UTC))
