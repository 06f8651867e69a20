"""Which litellm route a model name is sent by.

litellm's ``ollama/NAME`` posts to Ollama's ``/api/generate`` with the whole conversation
flattened into one prompt (``### System: …``), losing the roles, the model's chat template and
its ``thinking``; ``ollama_chat/NAME`` posts to ``/api/chat`` with real roles. appam sends every
Ollama model the chat way, whichever prefix the user typed: the session keeps the name as typed.
"""

from __future__ import annotations

OLLAMA_GENERATE = "ollama/"
OLLAMA_CHAT = "ollama_chat/"


def litellm_model(model: str) -> str:
    """The model name handed to litellm for ``model`` (the name the user chose)."""
    if model.startswith(OLLAMA_GENERATE):
        return OLLAMA_CHAT + model[len(OLLAMA_GENERATE):]
    return model
