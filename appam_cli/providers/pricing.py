"""Cost of a request from litellm's bundled price map (offline).

A model the map does not know has cost None (unknown), never $0.
"""

from __future__ import annotations

from appam_cli.models.usage import RequestUsage


def request_cost(model: str, usage: RequestUsage) -> float | None:
    from appam_cli.providers.loader import load_litellm

    litellm = load_litellm()
    from litellm.types.utils import CompletionTokensDetailsWrapper, PromptTokensDetailsWrapper, Usage

    usage_object = Usage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=usage.output_tokens,
        total_tokens=usage.input_tokens + usage.output_tokens,
        prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=usage.cache_read_tokens),
        completion_tokens_details=CompletionTokensDetailsWrapper(reasoning_tokens=usage.reasoning_tokens),
        cache_creation_input_tokens=usage.cache_creation_tokens,
        cache_read_input_tokens=usage.cache_read_tokens,
    )
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(model=model, usage_object=usage_object)
    except Exception:  # litellm raises a bare Exception for models its map does not know
        return None
    return float(prompt_cost) + float(completion_cost)
