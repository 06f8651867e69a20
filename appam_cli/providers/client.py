"""The request itself: litellm call, retries before the first byte, stream normalisation."""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Generator, Iterator
from typing import Any

from appam_cli.datamodel.usage import RequestUsage
from appam_cli.errors import ProviderError
from appam_cli.providers import errors as perr
from appam_cli.providers import keys, model_params
from appam_cli.providers.closing import close_response
from appam_cli.providers.events import (
    Event,
    Notice,
    ProviderRequest,
    ReasoningDelta,
    Retrying,
    StreamResult,
    TextDelta,
    ToolCallDelta,
)
from appam_cli.providers.finish import FinishWatch
from appam_cli.providers.loader import load_litellm
from appam_cli.providers.pricing import request_cost
from appam_cli.providers.reported import reported_cost, served_model
from appam_cli.providers.routes import litellm_model
from appam_cli.providers.tally import TokenTally
from appam_cli.providers.usage import (
    estimate_usage,
    provider_sent_usage,
    usage_from_litellm,
)

BASE_BACKOFF = 0.5


def stream_chat(request: ProviderRequest) -> Generator[Event, None, None]:
    """Yield events for one request; the last one is a StreamResult.

    Raises ProviderError when the request fails before any answer arrived (after
    retries). A stream cut after the answer started is not an exception: it ends
    with a StreamResult whose ``finish_reason`` is None.
    """
    litellm = load_litellm()
    options = request.options
    kwargs = _completion_kwargs(request)
    _check_key(litellm, request)
    given = {k: v for k, v in kwargs.items() if k in model_params.USER_OPTIONS}
    notice = model_params.ignored_notice(litellm, _sent_name(request), options.api_base, given)
    if notice:
        yield Notice(notice)
    attempt = 0
    started = time.monotonic()
    while True:
        attempt += 1
        started = time.monotonic()
        response = None
        watch = FinishWatch()
        try:
            response = litellm.completion(**kwargs)
            if not options.stream:
                yield from _whole_response(response, request, started)
                return
            watch.install(response)
            # Read up to the first chunk that carries some answer: an error the provider sends before
            # any (OpenAI's comes after a role-only chunk) then fails this attempt, which can be retried.
            chunks = iter(response)
            ahead = _read_to_content(chunks)
            first = ahead[0] if ahead else None
            stream = itertools.chain(ahead[1:], chunks)
            # A 200 that is not an answer stream (a proxy's HTML page): say what came, not "incomplete".
            api_base = options.api_base
            # A stream that already gave a piece of an answer is the protocol, whatever its label.
            answered = bool(ahead) and _carries_answer(ahead[-1])
            wrong = None if answered else perr.not_the_protocol(response, model=request.model, api_base=api_base)
            if wrong is not None:
                _close(response, watch)
                raise wrong
        except BaseException as exc:  # litellm wraps every provider failure in its own classes
            _close(response, watch)  # an error inside a 200 stream, or Ctrl-C while the model thinks
            if not isinstance(exc, Exception):
                raise  # Ctrl-C, SIGTERM, a consumer that let go: never retried
            if isinstance(exc, ProviderError):
                raise
            if response is not None:
                wrong = perr.not_the_protocol(response, model=request.model, api_base=options.api_base)
                if wrong is not None:
                    raise wrong from exc
            if attempt <= options.retries and perr.is_retryable(exc):
                wait = _backoff(attempt, perr.retry_after(exc), options.retry_max_wait)
                yield Retrying(attempt=attempt, wait=wait, reason=perr.retry_reason(exc), sent=not perr.never_sent(exc))
                time.sleep(wait)
                continue
            raise perr.to_provider_error(
                exc, model=request.model, api_base=options.api_base, attempts=attempt, timeout=options.timeout
            ) from exc
        break
    try:
        yield from _normalise(response, stream, first, request, started, watch)
    finally:
        _close(response, watch)  # a cut stream, or a consumer that stopped early (Ctrl-C, a cost limit)


def _read_to_content(stream: Iterator[Any]) -> list[Any]:
    """The chunks up to and including the first one with text, reasoning or a tool call (all of
    them when none has any)."""
    ahead = []
    for chunk in stream:
        ahead.append(chunk)
        if _carries_answer(chunk):
            break
    return ahead


_ANSWER_FIELDS = ("content", "reasoning_content", "tool_calls")


def _carries_answer(chunk: Any) -> bool:
    """The chunk holds a piece of the answer: text, reasoning or a tool call."""
    choices = getattr(chunk, "choices", None) or []
    delta = choices[0].delta if choices else None
    return delta is not None and any(getattr(delta, name, None) for name in _ANSWER_FIELDS)


def _close(response: Any, watch: FinishWatch) -> None:
    close_response(response)
    close_response(watch.inner)  # the provider stream, now under the watch


def _sent_name(request: ProviderRequest) -> str:
    """The model name litellm is given: a provider profile's model goes by its server's protocol
    (``local/qwen`` -> ``openai/qwen``); the user's name is kept for the ledger and messages."""
    return request.options.provider_model or request.model


def _completion_kwargs(request: ProviderRequest) -> dict[str, Any]:
    options = request.options
    name = _sent_name(request)
    kwargs: dict[str, Any] = {
        "model": litellm_model(name),  # ollama/NAME goes to /api/chat, like ollama_chat/NAME
        "messages": model_params.provider_messages(name, request.messages),
        "stream": options.stream,
        "timeout": options.timeout,
        "max_retries": 0,  # we retry ourselves: only before the first byte, honouring Retry-After
    }
    if not model_params.takes_thinking_blocks(request.model):
        kwargs["messages"] = [_without_thinking(m) for m in kwargs["messages"]]
    if options.stream:
        kwargs["stream_options"] = {"include_usage": True}
    if options.api_base:
        kwargs["api_base"] = options.api_base
    if options.profile:  # its own key, from the variable it names; never another provider's
        key = os.environ.get(options.api_key_env) if options.api_key_env else None
        kwargs["api_key"] = key or keys.PLACEHOLDER_KEY
    elif keys.needs_placeholder_key(request.model, options.api_base):
        kwargs["api_key"] = keys.PLACEHOLDER_KEY
    if request.tools:
        kwargs["tools"] = request.tools
        # Our tools are functions we run ourselves: litellm's own MCP bridge (which imports the `mcp`
        # package for any request with tools) is not for them.
        kwargs["_skip_mcp_handler"] = True
    optional = {"temperature": options.temperature, "max_tokens": options.max_tokens}
    kwargs.update((key, value) for key, value in optional.items() if value is not None)
    if options.reasoning_effort:
        kwargs["reasoning_effort"] = options.reasoning_effort
    if options.response_format:
        kwargs["response_format"] = options.response_format
    return kwargs


def _without_thinking(message: dict[str, Any]) -> dict[str, Any]:
    if "thinking_blocks" not in message:
        return message
    return {k: v for k, v in message.items() if k != "thinking_blocks"}


def _check_key(litellm: Any, request: ProviderRequest) -> None:
    """Name the environment variable to set, rather than letting the SDK fail obscurely. A custom
    API base spares the key only of an ``openai/`` model (a placeholder is sent to such servers);
    litellm asks a Gemini or Anthropic model for its key wherever it is sent. A provider profile's
    key is in the variable its ``api_key_env`` names (none named: its server takes no key)."""
    options = request.options
    if options.profile:
        if options.api_key_env and not os.environ.get(options.api_key_env):
            raise ProviderError(
                f"no API key for {request.model}: set {options.api_key_env} (api_key_env of profile {options.profile})",
                kind="auth",
                sent=False,
            )
        return
    if keys.is_keyless(request.model) or (request.options.api_base and request.model.startswith("openai/")):
        return
    try:
        env = litellm.validate_environment(model=request.model)
        provider = litellm.get_llm_provider(request.model)[1]
    except Exception:
        return
    variable = f"{str(provider).upper()}_API_KEY"
    if variable in os.environ and not os.environ[variable].strip():  # set, but to nothing: no key
        raise ProviderError(f"no API key for {request.model}: {variable} is set but empty", kind="auth", sent=False)
    missing = [k for k in env.get("missing_keys") or [] if k.endswith("_KEY") or k.endswith("_TOKEN")]
    if missing and not env.get("keys_in_environment"):
        known = [k for k in missing if k in keys.DEFAULT_KEYS]  # the name the README gives (GEMINI_API_KEY)
        raise ProviderError(f"no API key for {request.model}: set {(known or missing)[0]}", kind="auth", sent=False)


def _backoff(attempt: int, retry_after: float | None, cap: float) -> float:
    if retry_after is not None:
        return min(max(retry_after, 0.0), cap)
    return min(BASE_BACKOFF * 2 ** (attempt - 1) * (1 + random.random() * 0.5), cap)


def _ms(since: float) -> int:
    return int((time.monotonic() - since) * 1000)


class _ToolCalls:
    """Assemble tool-call deltas by index into OpenAI-shaped tool calls."""

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}

    def add(self, index: int, call_id: str | None, name: str | None, arguments: str | None) -> None:
        call = self.calls.setdefault(index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
        if call_id:
            call["id"] = call_id
        if name:
            call["function"]["name"] += name
        if arguments:
            call["function"]["arguments"] += arguments

    def result(self) -> list[dict[str, Any]]:
        return [self.calls[i] for i in sorted(self.calls)]


class _ThinkingBlocks:
    """Assemble the thinking blocks litellm streams for Anthropic (``delta.thinking_blocks``): pieces
    of a block's text, then its signature on a piece of its own, which ends the block; a redacted
    block arrives whole."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def add(self, pieces: Any) -> None:
        for piece in pieces or []:
            block = dict(piece) if isinstance(piece, dict) else {}
            kind = block.get("type")
            if kind != "thinking":
                if kind:
                    self.blocks.append(block)
                    self._open = None
                continue
            if self._open is None:
                self._open = {"type": "thinking", "thinking": "", "signature": None}
                self.blocks.append(self._open)
            self._open["thinking"] += block.get("thinking") or ""
            if block.get("signature"):
                self._open["signature"] = block["signature"]
                self._open = None

    def add_whole(self, blocks: Any) -> None:
        for block in blocks or []:
            if isinstance(block, dict) and block.get("type"):
                self.blocks.append(dict(block))

    def result(self) -> list[dict[str, Any]] | None:
        return self.blocks or None


def _normalise(
    response: Any, stream: Iterator[Any], first: Any, request: ProviderRequest, started: float,
    watch: FinishWatch,
) -> Iterator[Event]:
    """Turn litellm chunks into events.

    litellm's stream wrapper invents a final ``finish_reason="stop"`` chunk and an
    estimated usage chunk when the provider sent neither. So completeness rests
    on what the provider really sent (the provider's own chunks, seen by ``watch``),
    and usage on chunks that arrived before the wrapper produced its own last chunk.
    """
    tools = _ToolCalls()
    thinking = _ThinkingBlocks()
    tally = TokenTally(load_litellm(), request.model, request.count_every)  # Progress: the cost guard's count
    summary_usage: Any = None
    ttft: int | None = None
    text_parts: list[str] = []
    error: str | None = None
    chunk = first
    while chunk is not None:
        choices = getattr(chunk, "choices", None) or []
        delta = choices[0].delta if choices else None
        if delta is not None:
            thinking.add(getattr(delta, "thinking_blocks", None))
            reasoning = getattr(delta, "reasoning_content", None)
            if reasoning:
                ttft = ttft if ttft is not None else _ms(started)
                yield ReasoningDelta(reasoning)
                if (progress := tally.add(reasoning, reasoning=True)) is not None:
                    yield progress
            content = getattr(delta, "content", None)
            if content:
                ttft = ttft if ttft is not None else _ms(started)
                text_parts.append(content)
                yield TextDelta(content)
                if (progress := tally.add(content)) is not None:
                    yield progress
            for tc in getattr(delta, "tool_calls", None) or []:
                ttft = ttft if ttft is not None else _ms(started)
                fn = getattr(tc, "function", None)
                name = getattr(fn, "name", None) if fn else None
                args = getattr(fn, "arguments", None) if fn else None
                index = getattr(tc, "index", None) or 0
                tools.add(index, getattr(tc, "id", None), name, args)
                yield ToolCallDelta(index=index, id=getattr(tc, "id", None), name=name, arguments=args or "")
        summary_usage = getattr(chunk, "usage", None) or summary_usage
        try:
            chunk = next(stream, None)
        except Exception as exc:  # a connection reset or read error after the answer started
            error = perr.scrub(perr._connection_reason(exc))
            break
    # A connection lost after the provider's finish reason (before its usage or [DONE]) still
    # delivered the whole answer: complete, with the usage counted locally.
    finish = _provider_finish_reason(response, watch)
    usage = _provider_usage(response, summary_usage) if finish and not error else None
    if finish:
        error = None
    reported = reported_cost(response, _raw_usage(response, summary_usage), streamed=True) if usage else None
    if usage is None:
        usage = estimate_usage(request.model, request.messages, "".join(text_parts))
    yield StreamResult(
        finish_reason=finish,
        usage=usage,
        cost_usd=reported if reported is not None else request_cost(request.model, usage, request.price),
        cost_reported=reported is not None,
        served_model=served_model(response),
        ttft_ms=ttft,
        duration_ms=_ms(started),
        tool_calls=tools.result(),
        error=error or (None if finish else "the stream ended without a finish reason"),
        thinking_blocks=thinking.result(),
    )


def _raw_usage(response: Any, summary: Any) -> Any:
    """The usage object the provider sent last (where a server's ``usage.cost`` is)."""
    sent = [c.usage for c in getattr(response, "chunks", None) or [] if getattr(c, "usage", None)]
    return sent[-1] if sent else summary


def _provider_usage(response: Any, summary: Any) -> RequestUsage | None:
    """Usage the provider really sent, or None.

    The wrapper swallows the provider's usage-only chunk (it stays in
    ``response.chunks``) and ends with a summary chunk whose usage is either
    built from it or, when the provider sent none, estimated by counting tokens.
    """
    sent = [c.usage for c in getattr(response, "chunks", None) or [] if getattr(c, "usage", None)]
    if not sent:
        return usage_from_litellm(summary, estimated=True) if summary else None
    usage = usage_from_litellm(sent[-1])
    if summary is not None:  # the summary keeps details (cached, reasoning) the raw chunk may lack
        detailed = usage_from_litellm(summary)
        if (detailed.input_tokens, detailed.output_tokens) == (usage.input_tokens, usage.output_tokens):
            return detailed
    return usage


def _provider_finish_reason(response: Any, watch: FinishWatch) -> str | None:
    # Only what the provider sent: the wrapper's own final chunk always says "stop", and its
    # ``received_finish_reason`` stays None for Gemini however the stream ended.
    return watch.finish_reason(response)


def _whole_response(response: Any, request: ProviderRequest, started: float) -> Iterator[Event]:
    choice = response.choices[0]
    message = choice.message
    reasoning = getattr(message, "reasoning_content", None)
    if reasoning:
        yield ReasoningDelta(reasoning)
    if message.content:
        yield TextDelta(message.content)
    tools = _ToolCalls()
    for i, tc in enumerate(getattr(message, "tool_calls", None) or []):
        tools.add(i, tc.id, tc.function.name, tc.function.arguments)
        yield ToolCallDelta(index=i, id=tc.id, name=tc.function.name, arguments=tc.function.arguments or "")
    thinking = _ThinkingBlocks()
    thinking.add_whole(getattr(message, "thinking_blocks", None))
    raw_usage = getattr(response, "usage", None)
    if provider_sent_usage(raw_usage):
        usage = usage_from_litellm(raw_usage)
    else:  # litellm fills a missing usage with zeros: count it ourselves, marked estimated
        usage = estimate_usage(request.model, request.messages, message.content or "")
    duration = _ms(started)
    reported = reported_cost(response, raw_usage, streamed=False)
    yield StreamResult(
        finish_reason=choice.finish_reason or None,
        usage=usage,
        cost_usd=reported if reported is not None else request_cost(request.model, usage, request.price),
        cost_reported=reported is not None,
        served_model=served_model(response),
        ttft_ms=duration,
        duration_ms=duration,
        tool_calls=tools.result(),
        thinking_blocks=thinking.result(),
    )
