"""ModelPrice: what a model's tokens cost, and the cost of one request's usage.

Rates are USD per token. The usage they apply to has appam's one meaning
(models/usage.py): input includes cache-read and cache-creation tokens, output
includes reasoning tokens. So a request is billed as

    (input - cache_read - cache_write) x input rate
    + cache_read x cache-read rate + cache_write x cache-write rate
    + (output - reasoning) x output rate + reasoning x reasoning rate

where a missing cache rate means "billed as input" and a missing reasoning rate
"billed as output" (how OpenAI and Anthropic bill reasoning). Above a long-context
threshold some providers bill every token of the request at higher rates (``tier``);
some discount requests made in off-peak hours (``off_peak``, e.g. DeepSeek).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from appam_cli.datamodel.usage import RequestUsage

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class OffPeak:
    """Cheaper rates in some hours: windows of minutes since midnight UTC, [start, end) (wrapping
    past midnight when start > end, the whole day when equal), each on some ISO weekdays or all."""

    rates: ModelPrice
    windows: tuple[tuple[int, int, frozenset[int] | None], ...]
    weekday_timezone: str = "UTC"

    def applies(self, when: datetime) -> bool:
        utc = when.astimezone(UTC)
        minute = utc.hour * 60 + utc.minute
        local = utc
        if self.weekday_timezone != "UTC":
            from zoneinfo import ZoneInfo

            try:
                local = utc.astimezone(ZoneInfo(self.weekday_timezone))
            except Exception:
                local = utc
        weekday = local.isoweekday()
        for start, end, days in self.windows:
            if days is not None and weekday not in days:
                continue
            if start == end or start <= minute < end or (start > end and (minute >= start or minute < end)):
                return True
        return False


@dataclass(frozen=True)
class ModelPrice:
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    tier_threshold: int | None = None  # prompt tokens above which ``tier`` applies
    tier: ModelPrice | None = None
    source: str = "litellm"  # "litellm" (the bundled price map) or "config"
    off_peak: OffPeak | None = None

    @classmethod
    def per_million(
        cls,
        input: float,
        output: float,
        cache_read: float | None = None,
        cache_write: float | None = None,
        reasoning: float | None = None,
        source: str = "config",
    ) -> ModelPrice:
        """From rates in USD per million tokens (the unit of price lists and config.toml)."""

        def t(v: float | None) -> float | None:
            return None if v is None else float(v) / PER_MILLION

        return cls(t(input), t(output), t(cache_read), t(cache_write), t(reasoning), source=source)  # type: ignore[arg-type]

    def rates_for(self, usage: RequestUsage, at: datetime | None = None) -> ModelPrice:
        if at is not None and self.off_peak is not None and self.off_peak.applies(at):
            return self.off_peak.rates
        if self.tier is not None and self.tier_threshold is not None and usage.input_tokens > self.tier_threshold:
            return self.tier
        return self

    def cost(self, usage: RequestUsage, at: datetime | None = None) -> float:
        """USD for ``usage``; ``at`` (when the request was made) selects off-peak rates."""
        r = self.rates_for(usage, at)
        cache_read = max(0, usage.cache_read_tokens)
        cache_write = max(0, usage.cache_creation_tokens)
        plain_input = max(0, usage.input_tokens - cache_read - cache_write)
        reasoning = min(max(0, usage.reasoning_tokens), max(0, usage.output_tokens))
        plain_output = max(0, usage.output_tokens - reasoning)
        return (
            plain_input * r.input
            + cache_read * (r.cache_read if r.cache_read is not None else r.input)
            + cache_write * (r.cache_write if r.cache_write is not None else r.input)
            + plain_output * r.output
            + reasoning * (r.reasoning if r.reasoning is not None else r.output)
        )

    def to_per_million(self) -> dict[str, float | None]:
        def m(v: float | None) -> float | None:
            return None if v is None else round(v * PER_MILLION, 6)

        return {
            "input": m(self.input),
            "output": m(self.output),
            "cache_read": m(self.cache_read),
            "cache_write": m(self.cache_write),
        }
