"""What a server reports of a request beside the answer: the cost it charged and the model that
really answered. A LiteLLM proxy answers under its own model names (``openai/team-fast``), which
no price map knows; it reports its charge as ``usage.cost`` in the final stream chunk (and in a
whole answer's usage) and as the ``x-litellm-response-cost`` header, and the model behind the
name as ``x-litellm-model-name`` (docs.litellm.ai/docs/proxy/response_headers).

Response headers are sent before the answer is generated, so a streamed answer's cost header
cannot be its final cost: for a stream only ``usage.cost`` counts.
"""

from __future__ import annotations

import math
from typing import Any

COST_HEADER = "x-litellm-response-cost"
MODEL_HEADER = "x-litellm-model-name"
_RAW = "llm_provider-"  # litellm's prefix for the provider's own headers in _hidden_params


def headers(response: Any) -> dict[str, str]:
    """The response's HTTP headers, lower-cased (litellm keeps them on its stream wrapper and on a
    whole response; the processed copy in ``_hidden_params`` prefixes them with ``llm_provider-``)."""
    out: dict[str, str] = {}
    hidden = getattr(response, "_hidden_params", None)
    extra = hidden.get("additional_headers") if isinstance(hidden, dict) else None
    for name, value in (extra or {}).items():
        if isinstance(name, str) and name.lower().startswith(_RAW):
            out[name.lower()[len(_RAW):]] = str(value)
    raw = getattr(response, "_response_headers", None)
    try:
        out.update((str(k).lower(), str(v)) for k, v in (raw or {}).items())
    except (AttributeError, TypeError):
        pass
    return out


def _usd(value: Any) -> float | None:
    """A cost as reported: a finite, non-negative number (text in a header), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, dict):  # OpenRouter-style {"total_cost": …}
        return _usd(value.get("total_cost"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def usage_cost(usage: Any) -> float | None:
    """``usage.cost`` as the server sent it (litellm keeps the unknown field on its Usage)."""
    if usage is None:
        return None
    value = usage.get("cost") if isinstance(usage, dict) else getattr(usage, "cost", None)
    return _usd(value)


def reported_cost(response: Any, usage: Any, *, streamed: bool) -> float | None:
    """The cost the server reported for the request, or None (then appam prices it)."""
    cost = usage_cost(usage)
    if cost is None and not streamed:
        cost = _usd(headers(response).get(COST_HEADER))
    return cost


def served_model(response: Any) -> str | None:
    """The model the server says answered (a proxy's real model behind its own name), or None.
    A server's text: kept to printable characters (it is shown in tables), at most 200."""
    name = "".join(c for c in headers(response).get(MODEL_HEADER, "") if c.isprintable()).strip()
    return name[:200] or None
