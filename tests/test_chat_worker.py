"""The provider worker the chat uses: a process that keeps litellm loaded and serves requests.

One worker for the module (it loads litellm once); every test talks to the loopback server
through it, as the chat's Agents do (it is their backend).
"""

from __future__ import annotations

import os
import signal

import pytest
from provider_server import HTTPError, Reply

from appam_cli.datamodel import RequestOptions
from appam_cli.errors import ProviderError
from appam_cli.providers import ProviderRequest, StreamResult, TextDelta
from appam_cli.providers.remote import ProviderWorker

pytestmark = pytest.mark.e2e  # every test talks to a provider worker process

SLOW = [f"word{i} " for i in range(400)]


@pytest.fixture(scope="module")
def worker():
    w = ProviderWorker()
    w.start()
    assert w.wait_ready(120)
    yield w
    w.close()


def request(provider) -> ProviderRequest:
    return ProviderRequest(
        messages=[{"role": "user", "content": "hi"}],
        options=RequestOptions(model="openai/test-model", api_base=provider.url, retries=0),
    )


def test_streams_events_and_maps_errors(worker, provider):
    provider.enqueue(Reply(["one ", "two ", "three"]))
    events = list(worker.stream_chat(request(provider)))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three"
    assert isinstance(events[-1], StreamResult) and events[-1].finish_reason == "stop"
    assert events[-1].usage.output_tokens > 0

    provider.enqueue(HTTPError(401))
    with pytest.raises(ProviderError) as failure:
        list(worker.stream_chat(request(provider)))
    assert failure.value.kind == "auth" and "authentication failed" in failure.value.message


def test_an_abandoned_stream_is_cancelled_and_the_next_request_is_served(worker, provider):
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    events = worker.stream_chat(request(provider))
    for count, _event in enumerate(events, 1):
        if count == 3:
            break
    events.close()  # what the turn loop does on Ctrl-C
    provider.enqueue(Reply("next"))
    after = list(worker.stream_chat(request(provider)))
    assert [e.text for e in after if isinstance(e, TextDelta)] == ["next"]
    assert worker.ready


def test_estimate_usage_counts_tokens_in_the_worker(worker):
    usage = worker.estimate_usage("gpt-4o-mini", [{"role": "user", "content": "hello world " * 50}], "an answer")
    assert usage.estimated and usage.input_tokens >= 100 and usage.output_tokens >= 2


def test_a_worker_that_dies_is_replaced(provider):
    """Dead while idle: replaced without a word. Dead mid-answer: one error, then replaced."""
    w = ProviderWorker()
    try:
        assert w.wait_ready(120)
        os.kill(w._channel.proc.pid, signal.SIGKILL)
        w._channel.proc.wait()
        assert isinstance(list(w.stream_chat(request(provider)))[-1], StreamResult)

        provider.enqueue(Reply(SLOW, chunk_delay=0.05))
        events = w.stream_chat(request(provider))
        next(events)
        os.kill(w._channel.proc.pid, signal.SIGKILL)
        with pytest.raises(ProviderError) as failure:
            list(events)
        assert "worker stopped unexpectedly" in failure.value.message
        assert isinstance(list(w.stream_chat(request(provider)))[-1], StreamResult)
    finally:
        w.close()
