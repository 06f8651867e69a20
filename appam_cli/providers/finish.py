"""The finish reason a provider really sent, read under litellm's stream wrapper.

litellm's ``CustomStreamWrapper`` always ends a stream with a chunk saying ``finish_reason="stop"``,
whether or not the provider said so, and its own record of the provider's reason depends on the
provider: ``received_finish_reason`` is set for OpenAI-style and Anthropic streams but never for
Gemini, whose parser marks every chunk unfinished. Worse, litellm's Gemini parser puts
``finish_reason="stop"`` on *every* parsed chunk when the provider sent no ``finishReason``, so
no parsed chunk can tell a complete Gemini answer from a cut one.

So ``FinishWatch`` reads the provider's own chunks, before litellm parses them:

* a provider iterator of litellm's (Gemini, Anthropic, Ollama, ... everything built on its
  ``chunk_parser(chunk=dict)``) gets its ``chunk_parser`` wrapped on this one instance, and the
  raw JSON object is read the provider's way: Gemini ``candidates[].finishReason``, Anthropic
  ``message_delta``'s ``delta.stop_reason``, Ollama ``done`` (``done_reason``), an OpenAI-shaped
  object's ``choices[].finish_reason``;
* the openai SDK's stream (OpenAI and every OpenAI-compatible provider) yields the provider's
  chunks as objects: their ``choices[].finish_reason`` is what the provider sent.

Where neither could be read (a provider shape this does not know), the wrapper's
``received_finish_reason`` is used, as before. The reason is kept as the provider spelled it
(``stop``, ``end_turn``, ``MAX_TOKENS``, ...): only its presence decides completeness.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

from appam_cli.providers.errors import StreamErrorEvent

ANTHROPIC_EVENTS = frozenset({
    "message_start", "content_block_start", "content_block_delta", "content_block_stop",
    "message_delta", "message_stop", "ping",
})


class FinishWatch:
    """Install on a litellm stream wrapper before its first chunk is read."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.recognised = False  # a provider chunk was read (its shape is known here)
        self.inner: Any = None  # the provider stream, when a pass-through wraps it (for closing it)

    def install(self, response: Any) -> None:
        stream = getattr(response, "completion_stream", None)
        if stream is not None:
            response.completion_stream = self._attach(stream)
            return
        make_call = getattr(response, "make_call", None)
        if callable(make_call):  # a lazy stream (Gemini): opened on the first read

            def watched_call(*args: Any, **kwargs: Any) -> Any:
                return self._attach(make_call(*args, **kwargs))

            response.make_call = watched_call

    def _attach(self, stream: Any) -> Any:
        parse = getattr(type(stream), "chunk_parser", None)
        if callable(parse):
            stream.chunk_parser = self._parser(parse, weakref.ref(stream))
            return stream
        if not (type(stream).__module__ or "").startswith("openai") or not hasattr(stream, "__next__"):
            return stream  # chunks litellm already parsed: their finish_reason may be its own
        self.inner = stream
        return _Watched(stream, self)

    def _parser(self, parse: Callable[..., Any], stream: weakref.ref[Any]) -> Callable[..., Any]:
        # The stream is held weakly: a cycle (stream -> its parser -> stream) would leave the
        # HTTP response under it to the cyclic garbage collector.
        def parse_watched(chunk: Any) -> Any:
            message = stream_error(chunk)
            if message is not None:
                raise StreamErrorEvent(message)
            self._note(native_finish(chunk))
            return parse(stream(), chunk=chunk)

        return parse_watched

    def note_object(self, chunk: Any) -> None:
        choices = getattr(chunk, "choices", None)
        if choices is None:
            return
        self._note(next((c.finish_reason for c in choices if getattr(c, "finish_reason", None)), ""))

    def _note(self, reason: str | None) -> None:
        if reason is None:
            return
        self.recognised = True
        if reason:
            self.reason = reason

    def finish_reason(self, response: Any) -> str | None:
        """What the provider sent, or the wrapper's ``received_finish_reason`` where that could not be read."""
        if self.recognised:
            return self.reason
        return getattr(response, "received_finish_reason", None)


def stream_error(chunk: Any) -> str | None:
    """A provider's raw streamed object that is an error in Ollama's shape, ``{"error": "text"}``
    (Ollama's documented error after a stream began): its text. Other providers' error events
    (an object under ``error``) are litellm's to read."""
    if isinstance(chunk, dict) and isinstance(chunk.get("error"), str) and "message" not in chunk:
        return chunk["error"] or "error"
    return None


def native_finish(chunk: Any) -> str | None:
    """A provider's raw streamed object: its finish reason, "" when it is not the end, None when
    its shape is unknown."""
    if not isinstance(chunk, dict):
        return None
    if "candidates" in chunk or "usageMetadata" in chunk:  # Gemini
        for candidate in chunk.get("candidates") or []:
            reason = candidate.get("finishReason") if isinstance(candidate, dict) else None
            if isinstance(reason, str) and reason and reason != "FINISH_REASON_UNSPECIFIED":
                return reason
        return ""
    if chunk.get("type") in ANTHROPIC_EVENTS:
        delta = chunk.get("delta") if chunk.get("type") == "message_delta" else None
        reason = delta.get("stop_reason") if isinstance(delta, dict) else None
        return reason if isinstance(reason, str) and reason else ""
    if "done" in chunk and "model" in chunk:  # Ollama
        if chunk.get("done") is True:
            reason = chunk.get("done_reason")
            return reason if isinstance(reason, str) and reason else "stop"
        return ""
    if isinstance(chunk.get("choices"), list):  # OpenAI-shaped JSON
        for choice in chunk["choices"]:
            reason = choice.get("finish_reason") if isinstance(choice, dict) else None
            if isinstance(reason, str) and reason:
                return reason
        return ""
    return None


class _Watched:
    """The openai SDK's stream, passed through unchanged; each chunk is shown to the watch first."""

    def __init__(self, inner: Any, watch: FinishWatch) -> None:
        self._inner = inner
        self._watch = watch

    def __iter__(self) -> Iterator[Any]:
        self._inner = iter(self._inner)
        return self

    def __next__(self) -> Any:
        chunk = next(self._inner)
        self._watch.note_object(chunk)
        return chunk

    def __getattr__(self, name: str) -> Any:  # anything else the wrapper asks of its stream
        return getattr(self._inner, name)
