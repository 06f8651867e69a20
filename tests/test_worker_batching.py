"""The worker's child batches a fast stream's events into few frames: nothing lost, nothing reordered."""

from __future__ import annotations

import threading
import time

import pytest
from provider_server import Reply
from test_worker_life import place, request  # noqa: F401  (the fixture)

from appam_cli.providers import Notice, ReasoningDelta, StreamResult, TextDelta, ToolCallDelta
from appam_cli.providers.frames import FrameReader
from appam_cli.providers.remote import ProviderWorker
from appam_cli.providers.worker_child import Outbox, coalesce


def test_coalesce_joins_consecutive_deltas_of_one_kind_only():
    end = StreamResult(finish_reason="stop")
    events = [ReasoningDelta("a"), ReasoningDelta("b"), TextDelta("c"), TextDelta("d"), Notice("n"),
              TextDelta("e"), ToolCallDelta(0, "id", "f", "{"), ToolCallDelta(0, arguments="}"), TextDelta("g"), end]
    assert coalesce(events) == [ReasoningDelta("ab"), TextDelta("cd"), Notice("n"), TextDelta("e"),
                                ToolCallDelta(0, "id", "f", "{"), ToolCallDelta(0, arguments="}"),
                                TextDelta("g"), end]
    assert coalesce([]) == []


def frames_of(written: list[bytes]) -> list:
    data = b"".join(written)
    reader = FrameReader(_reader(data))
    out = []
    while (frame := reader.read()) is not None:
        out.append(frame)
    return out


def _reader(data: bytes):
    view = [data]

    def recv(size: int) -> bytes:
        chunk, view[0] = view[0][:size], view[0][size:]
        return chunk

    return recv


def test_the_first_event_goes_at_once_the_rest_batched_in_order():
    written: list[bytes] = []
    sent = threading.Event()

    def write(data: bytes) -> None:
        written.append(data)
        sent.set()

    outbox = Outbox(write, window=1.0)
    started = time.monotonic()
    outbox.put(TextDelta("first"))
    assert sent.wait(1.0) and time.monotonic() - started < 0.5  # not held for the window
    for i in range(50):
        outbox.put(TextDelta(f"{i} "))
    outbox.put(Notice("note"))
    outbox.put(TextDelta("tail"))
    outbox.put(StreamResult(finish_reason="stop"))
    outbox.close()  # flushes at once, without waiting for the window
    frames = frames_of(written)
    assert frames[0] == ("events", [TextDelta("first")])
    assert frames[1:] == [("events", [TextDelta("".join(f"{i} " for i in range(50))), Notice("note"),
                                      TextDelta("tail"), StreamResult(finish_reason="stop")])]


def test_a_client_gone_stops_the_outbox():
    def write(data: bytes) -> None:
        raise BrokenPipeError

    outbox = Outbox(write, window=0.01)
    outbox.put(TextDelta("x"))
    outbox.close()
    with pytest.raises(OSError):
        outbox.put(TextDelta("y"))


@pytest.mark.e2e
def test_a_fast_stream_through_the_worker_arrives_whole_in_fewer_events(provider, place):  # noqa: F811
    words = [f"w{n} " for n in range(2000)]
    provider.enqueue(Reply(words))
    events = list(ProviderWorker(place=place).stream_chat(request(provider)))
    texts = [e for e in events if isinstance(e, TextDelta)]
    assert "".join(e.text for e in texts) == "".join(words)
    assert isinstance(events[-1], StreamResult) and events[-1].finish_reason == "stop"
    assert not any(isinstance(e, StreamResult) for e in events[:-1])
    assert len(texts) < len(words) / 2  # a loopback stream comes faster than the window
