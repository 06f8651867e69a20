"""Reading usage from litellm objects into one meaning for every provider.

Input includes cache-read and cache-creation tokens; output includes reasoning tokens.
"""

from __future__ import annotations

from typing import Any

from appam_cli.models.usage import RequestUsage


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_from_litellm(raw: Any, *, estimated: bool = False) -> RequestUsage:
    prompt = int(_get(raw, "prompt_tokens") or 0)
    completion = int(_get(raw, "completion_tokens") or 0)
    prompt_details = _get(raw, "prompt_tokens_details")
    completion_details = _get(raw, "completion_tokens_details")
    cache_read = int(_get(prompt_details, "cached_tokens") or _get(raw, "cache_read_input_tokens") or 0)
    cache_creation = int(
        _get(raw, "cache_creation_input_tokens") or _get(prompt_details, "cache_creation_tokens") or 0
    )
    reasoning = int(_get(completion_details, "reasoning_tokens") or 0)
    return RequestUsage(
        input_tokens=prompt,
        output_tokens=completion,
        cache_creation_tokens=cache_creation,
        cache_read_tokens=cache_read,
        reasoning_tokens=reasoning,
        estimated=estimated,
    )


def estimate_usage(model: str, messages: list[dict[str, Any]], answer: str) -> RequestUsage:
    """Count tokens locally when the provider sent no usage (marked estimated)."""
    from appam_cli.providers.loader import load_litellm

    litellm = load_litellm()
    try:
        prompt = litellm.token_counter(model=model, messages=messages)
        completion = litellm.token_counter(model=model, text=answer) if answer else 0
    except Exception:
        prompt = sum(len(str(m.get("content") or "")) for m in messages) // 4
        completion = len(answer) // 4
    return RequestUsage(input_tokens=int(prompt), output_tokens=int(completion), estimated=True)
