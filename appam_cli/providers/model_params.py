"""What a model family takes: the request options it ignores, and the role its system prompt goes in.

litellm (with ``drop_params``) silently leaves out options a model does not take, e.g. a
temperature other than 1 for OpenAI's reasoning models; we ask litellm's own parameter
mapping which of the options the user gave would reach the provider, and say once which
would not. OpenAI documents that "with o1 models and newer, developer messages replace the
previous system messages", while litellm would turn a system message for them into a user
message: for that family the system prompt is sent as a ``developer`` message.
"""

from __future__ import annotations

import re
from typing import Any

from appam_cli.providers.prices_data import find_entry

# Request options the user sets, with the flag that sets them.
USER_OPTIONS = {"temperature": "--temperature", "max_tokens": "--max-tokens", "reasoning_effort": "reasoning_effort"}
_O_SERIES = re.compile(r"^o\d")


def is_openai_reasoning_model(model: str) -> bool:
    """OpenAI's o-series (o1, o3, o4-mini …): ``openai/oN…``, or a bare ``oN…`` name the map gives to openai."""
    prefix, _, rest = model.partition("/")
    if rest:
        return prefix == "openai" and bool(_O_SERIES.match(rest))
    found = find_entry(model)
    return bool(_O_SERIES.match(model)) and found is not None and found[1].get("litellm_provider") == "openai"


def provider_messages(model: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation with system messages in the role the model family documents."""
    if not is_openai_reasoning_model(model):
        return messages
    return [{**m, "role": "developer"} if m.get("role") == "system" else m for m in messages]


def ignored_options(litellm: Any, model: str, api_base: str | None, given: dict[str, Any]) -> list[str]:
    """The options in ``given`` (name -> value) that litellm would not send for ``model``."""
    try:
        bare, provider, _, _ = litellm.get_llm_provider(model=model, api_base=api_base)
        from litellm.utils import get_optional_params

        baseline = get_optional_params(model=bare, custom_llm_provider=provider)
        ignored = []
        for name, value in given.items():
            if get_optional_params(model=bare, custom_llm_provider=provider, **{name: value}) == baseline:
                ignored.append(name)
        return ignored
    except Exception:  # a model litellm cannot map: the request itself will say what is wrong
        return []


def ignored_notice(litellm: Any, model: str, api_base: str | None, given: dict[str, Any]) -> str | None:
    """``o4-mini ignores --temperature`` when the model ignores options the user gave (the caller
    says it once: see ``agent.session_turn.stream_turn``)."""
    ignored = ignored_options(litellm, model, api_base, given)
    if not ignored:
        return None
    flags = [USER_OPTIONS.get(n, n) for n in ignored]
    listed = flags[0] if len(flags) == 1 else ", ".join(flags[:-1]) + " and " + flags[-1]
    return f"{model.rsplit('/', 1)[-1]} ignores {listed}"


_CLAUDE_HOSTS = ("bedrock", "bedrock_converse", "vertex_ai", "vertex_ai_beta")


def takes_thinking_blocks(model: str) -> bool:
    """The model is answered through Anthropic's messages API, where an assistant's signed thinking
    blocks go back with it (litellm sends them); other providers would get an unknown field."""
    prefix, _, rest = model.partition("/")
    if rest:
        return prefix == "anthropic" or (prefix in _CLAUDE_HOSTS and "claude" in rest)
    found = find_entry(model)
    return found is not None and found[1].get("litellm_provider") == "anthropic"
