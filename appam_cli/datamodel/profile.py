"""Provider profiles and model aliases, as config.toml defines them and a model name resolves through them.

A profile (``[profiles.NAME]``) is a server appam sends ``-m NAME/model`` to: an
OpenAI-compatible address (a local llama.cpp, vLLM or LM Studio server, a team's LiteLLM
proxy, OpenRouter) and the NAME of the environment variable that holds its key; a key is
never stored. An alias (``[aliases] fast = "groq/llama-3.3-70b-versatile"``) is a short name
for a model (or for a profile's model).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    api_base: str
    api_key_env: str | None = None  # the variable that holds the key; None: no key (a placeholder is sent)
    models: tuple[str, ...] = ()  # the models it serves; empty: any


@dataclass(frozen=True)
class ModelRoute:
    """Where a model name as typed goes: ``model`` is the name recorded (session, ledger, prices)."""

    model: str
    alias: str | None = None  # the alias that was typed, if one was
    profile: Profile | None = None

    @property
    def served_name(self) -> str:
        """The model's name on the profile's server (``local/qwen`` -> ``qwen``)."""
        return self.model.split("/", 1)[1] if self.profile is not None else self.model

    @property
    def provider_model(self) -> str | None:
        """The name litellm is given when it is not ``model``: a profile's server speaks OpenAI's protocol."""
        return f"openai/{self.served_name}" if self.profile is not None else None
