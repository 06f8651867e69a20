"""The provider worker as the chat's Agents use it (their backend): the session's shared worker.

Its life cycle (start, replacement, a killed or hung worker) is tested in test_worker_life.py.
"""

from __future__ import annotations

import pytest
from provider_server import HTTPError, Reply

from appam_cli.datamodel import RequestOptions
from appam_cli.errors import ProviderError
from appam_cli.providers import ProviderRequest, StreamResult, TextDelta
from appam_cli.providers.remote import ProviderWorker

pytestmark = pytest.mark.e2e  # every test talks to a provider worker process

SLOW = [f"word{i} " for i in range(400)]


@pytest.fixture
def worker(shared_worker):
    if shared_worker is None:
        pytest.skip("the provider worker is off (APPAM_PROVIDER_WORKER=0)")
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
