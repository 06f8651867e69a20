"""RequestOptions: how to ask the model, from the command-line flag to the provider call.

One typed value travels the whole way: the config file and the ``APPAM_*`` environment
give the defaults (config.py), flags are merged over them once (``merged``), the Agent
keeps them, and every ProviderRequest carries them to litellm.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

DEFAULT_TIMEOUT = 600.0
DEFAULT_RETRIES = 3
DEFAULT_RETRY_MAX_WAIT = 60.0
# The reasoning efforts ``litellm.completion(reasoning_effort=...)`` takes, each mapped to the
# provider's own setting (OpenAI's effort, Anthropic's effort / thinking budget, Gemini's thinking
# level); litellm's internal "default" is left out.
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
TEMPERATURE_RANGE = (0.0, 2.0)


@dataclass(frozen=True)
class RequestOptions:
    model: str | None = None  # None until resolved (flag, config, a session's model, a default)
    api_base: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES  # before the first byte of an answer only
    retry_max_wait: float = DEFAULT_RETRY_MAX_WAIT
    stream: bool = True
    # A provider profile's model (config's [profiles.NAME]): the profile, the NAME of the environment
    # variable that holds its key (never the key), and the name litellm is given (``openai/qwen``
    # for ``local/qwen``); None otherwise.
    profile: str | None = None
    api_key_env: str | None = None
    provider_model: str | None = None
    # Structured output: OpenAI's response_format ({"type": "json_schema", ...}), translated by litellm.
    response_format: dict[str, Any] | None = None

    def merged(self, **given: Any) -> RequestOptions:
        """These options with every value that was given (not None) over them."""
        return replace(self, **{key: value for key, value in given.items() if value is not None})

    @staticmethod
    def names() -> frozenset[str]:
        return frozenset(f.name for f in fields(RequestOptions))
