"""Which model to use when none is configured, and which key a provider needs.

Plain data: choosing a default model must not import litellm.
"""

from __future__ import annotations

import os

# The first provider whose key is set gives the default model (README documents this order).
DEFAULT_MODELS: list[tuple[str, str]] = [
    ("OPENAI_API_KEY", "gpt-4o-mini"),
    ("ANTHROPIC_API_KEY", "anthropic/claude-sonnet-4-5"),
    ("GEMINI_API_KEY", "gemini/gemini-2.5-flash"),
    ("MISTRAL_API_KEY", "mistral/mistral-small-latest"),
    ("GROQ_API_KEY", "groq/llama-3.3-70b-versatile"),
    ("DEEPSEEK_API_KEY", "deepseek/deepseek-chat"),
    ("OPENROUTER_API_KEY", "openrouter/openai/gpt-4o-mini"),
]

DEFAULT_KEYS = frozenset(env for env, _ in DEFAULT_MODELS)

# Providers that run locally and take no key.
KEYLESS_PREFIXES = ("ollama/", "ollama_chat/", "lm_studio/", "llamafile/", "hosted_vllm/", "vllm/")

# A key sent to OpenAI-compatible local servers that ignore it, so the client does not refuse to start.
PLACEHOLDER_KEY = "sk-no-key-required"


def default_model() -> str | None:
    for env, model in DEFAULT_MODELS:
        if os.environ.get(env):
            return model
    return None


def no_model_message() -> str:
    envs = ", ".join(env for env, _ in DEFAULT_MODELS[:3])
    return (
        f"no model configured and no provider API key found: set one of {envs} (or another provider's key), "
        "or choose a model with -m/--model, APPAM_MODEL or `model` in config.toml"
    )


def needs_placeholder_key(model: str, api_base: str | None) -> bool:
    """An ``openai/...`` model on a custom --api-base with no OPENAI_API_KEY set."""
    return bool(api_base) and model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY")


def is_keyless(model: str) -> bool:
    return model.startswith(KEYLESS_PREFIXES)
