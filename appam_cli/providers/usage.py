"""Reading usage from litellm objects into one meaning for every provider.

Input includes cache-read and cache-creation tokens; output includes reasoning tokens.

What litellm 1.106.2 reports (checked against the loopback server, tests/test_anthropic.py):

* OpenAI format: ``prompt_tokens`` already includes ``prompt_tokens_details.cached_tokens``
  and ``completion_tokens`` includes ``completion_tokens_details.reasoning_tokens``, the
  way OpenAI counts them.
* Anthropic: the API's ``input_tokens`` EXCLUDES the cache tokens, but litellm's
  ``AnthropicConfig.calculate_usage`` adds ``cache_creation_input_tokens`` and
  ``cache_read_input_tokens`` into ``prompt_tokens`` (stream and non-stream alike), and
  keeps them in ``prompt_tokens_details.cached_tokens`` / ``cache_creation_tokens``.
  ``output_tokens`` includes the thinking tokens (Anthropic bills them as output); the
  ``reasoning_tokens`` split is litellm's own count of the thinking text, since Anthropic
  reports no separate figure.

A raw Anthropic-shaped usage (``input_tokens`` + cache keys, no ``prompt_tokens``) is
converted here too, and a ``prompt_tokens`` smaller than its own cache tokens (a provider
path that left them out) has them added, so the rule above holds whatever the path.
"""

from __future__ import annotations

from typing import Any

from appam_cli.datamodel.usage import RequestUsage


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def provider_sent_usage(raw: Any) -> bool:
    """False for no usage, and for the all-zero usage litellm puts on a non-streamed answer
    whose provider sent none (an answer always costs at least one token each way)."""
    if raw is None:
        return False
    names = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")
    return any(_int(_get(raw, name)) for name in names)


def usage_from_litellm(raw: Any, *, estimated: bool = False) -> RequestUsage:
    prompt_details = _get(raw, "prompt_tokens_details")
    completion_details = _get(raw, "completion_tokens_details")
    cache_read = _int(_get(prompt_details, "cached_tokens") or _get(raw, "cache_read_input_tokens"))
    cache_creation = _int(
        _get(raw, "cache_creation_input_tokens")
        or _get(prompt_details, "cache_creation_tokens")
        or _get(prompt_details, "cache_write_tokens")
    )
    if _get(raw, "prompt_tokens") is None and _get(raw, "input_tokens") is not None:
        # Anthropic's own shape: input_tokens counts only the uncached part of the prompt.
        prompt = _int(_get(raw, "input_tokens")) + cache_read + cache_creation
        completion = _int(_get(raw, "output_tokens"))
    else:
        prompt = _int(_get(raw, "prompt_tokens"))
        completion = _int(_get(raw, "completion_tokens"))
        if prompt < cache_read + cache_creation:
            prompt += cache_read + cache_creation
    reasoning = min(_int(_get(completion_details, "reasoning_tokens")), completion)
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
        prompt = rough_tokens_of_messages(messages)
        completion = rough_tokens(answer)
    return RequestUsage(input_tokens=int(prompt), output_tokens=int(completion), estimated=True)


def rough_tokens(text: str) -> int:
    """About four characters a token: a quick estimate that needs no tokenizer."""
    return (len(text) + 3) // 4 if text else 0


def rough_tokens_of_messages(messages: list[dict[str, Any]]) -> int:
    return sum(rough_tokens(str(m.get("content") or "")) + 4 for m in messages)
