"""Token usage and cost, with one meaning for every provider.

``input`` includes cache-read and cache-creation tokens and ``output`` includes
reasoning tokens, so those fields are subsets and ``total_tokens()`` is simply
input + output. Cost sums only the priced requests: a request whose model has
no known price is counted in ``unpriced_requests`` and never as $0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class RequestUsage:
    """What one provider request consumed, as the provider reported it."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False


@dataclass
class AggregatedUsage:
    total_input_tokens: int = 0
    total_output_tokens: int = 0
    total_cache_creation_tokens: int = 0
    total_cache_read_tokens: int = 0
    total_reasoning_tokens: int = 0
    total_cost_usd: float = 0.0
    request_count: int = 0
    # Extra keys (allowed by the design beside the seed's ones).
    unpriced_requests: int = 0
    estimated_requests: int = 0

    def total_tokens(self) -> int:
        return self.total_input_tokens + self.total_output_tokens

    def add_request(self, usage: RequestUsage, cost_usd: float | None) -> None:
        self.total_input_tokens += usage.input_tokens
        self.total_output_tokens += usage.output_tokens
        self.total_cache_creation_tokens += usage.cache_creation_tokens
        self.total_cache_read_tokens += usage.cache_read_tokens
        self.total_reasoning_tokens += usage.reasoning_tokens
        self.request_count += 1
        if cost_usd is None:
            self.unpriced_requests += 1
        else:
            self.total_cost_usd += cost_usd
        if usage.estimated:
            self.estimated_requests += 1

    def merge(self, other: AggregatedUsage) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def cost_display(self) -> str:
        """``$0.0012``, ``$0.0012 + 1 unpriced``, or ``cost unknown``."""
        if self.request_count and self.unpriced_requests == self.request_count:
            return "cost unknown"
        text = format_usd(self.total_cost_usd)
        if self.unpriced_requests:
            text += f" + {self.unpriced_requests} unpriced"
        return text

    def format_display(self) -> str:
        """A compact one-liner: tokens, cost, requests."""
        parts = [f"{self.total_input_tokens:,} in"]
        cache = []
        if self.total_cache_read_tokens:
            cache.append(f"{self.total_cache_read_tokens:,} cached")
        if self.total_cache_creation_tokens:
            cache.append(f"{self.total_cache_creation_tokens:,} cache write")
        if cache:
            parts[-1] += f" ({', '.join(cache)})"
        parts.append(f"{self.total_output_tokens:,} out")
        if self.total_reasoning_tokens:
            parts[-1] += f" ({self.total_reasoning_tokens:,} reasoning)"
        tokens = " / ".join(parts) + " tokens"
        if self.estimated_requests:
            tokens += " (estimated)"
        requests = f"{self.request_count} request" + ("" if self.request_count == 1 else "s")
        return f"{tokens} · {self.cost_display()} · {requests}"

    def format_detailed(self) -> str:
        """A few aligned lines: input and output with their cache and reasoning parts, cost, requests."""
        uncached = max(0, self.total_input_tokens - self.total_cache_read_tokens - self.total_cache_creation_tokens)
        text_out = max(0, self.total_output_tokens - self.total_reasoning_tokens)
        width = len(f"{max(self.total_tokens(), 1):,}")
        lines = [
            f"input     {self.total_input_tokens:>{width},} tokens  (uncached {uncached:,} · "
            f"cache read {self.total_cache_read_tokens:,} · cache write {self.total_cache_creation_tokens:,})",
            f"output    {self.total_output_tokens:>{width},} tokens  (text {text_out:,} · "
            f"reasoning {self.total_reasoning_tokens:,})",
            f"total     {self.total_tokens():>{width},} tokens",
            f"cost      {self.cost_display()}",
            f"requests  {self.request_count}"
            + (f" ({self.unpriced_requests} with no known price)" if self.unpriced_requests else ""),
        ]
        if self.estimated_requests:
            lines.append(
                f"estimated usage: the provider sent no counts for {self.estimated_requests} of "
                f"{self.request_count} request" + ("" if self.request_count == 1 else "s")
                + "; their tokens were counted locally"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AggregatedUsage:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and v is not None})


def format_usd(amount: float) -> str:
    if amount == 0:
        return "$0.00"
    if amount >= 1:
        return f"${amount:.2f}"
    return f"${amount:.4f}" if amount >= 0.0001 else f"${amount:.6f}"
