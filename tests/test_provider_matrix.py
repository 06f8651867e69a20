"""Issue 10's fault matrix: the same failures, for each of the four wire protocols, through real litellm
against the loopback server (tests/provider_server.py), each in the provider's documented shape.

Cells here (a test each, parametrized over openai, anthropic, gemini, ollama unless noted):

* 401: one line, exit 3, not retried.
* 429 with the provider's own retry hint: ``Retry-After`` for OpenAI, Anthropic and Ollama (Ollama
  documents none, so the plain HTTP header); for Gemini a ``google.rpc.RetryInfo`` ``retryDelay`` in the
  error's ``details`` and no header, as Google's APIs send it. The wait is honoured, then the answer arrives.
* 5xx with the retries used up: the real status and the provider's words. OpenAI's 503 and Anthropic's
  529 are covered line for line by tests/test_provider_faults.py (test_openai_503_keeps_its_status_and_message,
  test_anthropic_529_overloaded); this file covers Gemini's 503 UNAVAILABLE and Ollama's 500.
* An error inside an open 200 stream, before the first text: retried, the answer arrives, saved completed,
  and the failed stream let go of before the retry went out.
* The same, repeated in separate appam processes over a populated store (e2e): the retry once hung.

The rest of the issue's list is covered per provider elsewhere: a complete answer with the provider's usage
and the bundled price, reasoning apart from text, a cut stream, and ``continue`` sending the whole history
(tests/test_run.py for OpenAI, tests/test_anthropic.py, tests/test_gemini.py, tests/test_ollama.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import gemini_protocol
import pytest
from provider_server import HTTPError, ProviderServer, RecordedRequest, Reply
from sessions_store import make_session, only_session, save, sessions


@dataclass(frozen=True)
class Protocol:
    id: str
    model: str
    key_env: str | None
    base: Callable[[ProviderServer], str]
    requests: Callable[[ProviderServer], list[RecordedRequest]]
    auth_message: str  # the provider's words for a 401, as appam shows them
    rate_limited: Callable[[float], HTTPError]  # a 429 carrying the provider's own retry hint
    rate_limit_message: str
    stream_error: str  # Reply.error_event on this protocol
    stream_error_message: str  # the provider's words for it


def _header_429(seconds: float) -> HTTPError:
    return HTTPError(429, headers={"Retry-After": f"{seconds:g}"})


def _gemini_429(seconds: float) -> HTTPError:
    # Google sends its retry hint in the body (google.rpc.RetryInfo), not as a Retry-After header.
    return HTTPError(429, gemini_protocol.error_body(429, "gemini-2.5-flash", retry_delay=seconds))


OPENAI = Protocol(
    "openai", "openai/test-model", None, lambda s: s.url, lambda s: s.chat_requests,
    "Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.",
    _header_429, "Rate limit reached for test-model in organization org-test on requests per min (RPM)",
    "server_error", "The server had an error while processing your request. Sorry about that!",
)
ANTHROPIC = Protocol(
    "anthropic", "anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY", lambda s: s.anthropic_url,
    lambda s: s.messages_requests,
    "authentication_error: invalid x-api-key",
    _header_429, "rate_limit_error: Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error", "Overloaded",
)
GEMINI = Protocol(
    "gemini", "gemini/gemini-2.5-flash", "GEMINI_API_KEY", lambda s: s.gemini_url, lambda s: s.gemini_requests,
    "UNAUTHENTICATED: Request had invalid authentication credentials.",
    _gemini_429, "RESOURCE_EXHAUSTED: You exceeded your current quota, please check your plan and billing details",
    "UNAVAILABLE", "The model is overloaded. Please try again later",  # litellm words it "UNAVAILABLE - ..."
)
OLLAMA = Protocol(
    "ollama", "ollama/llama3.2", None, lambda s: s.root_url, lambda s: s.ollama_requests,
    "unauthorized",
    _header_429, "too many requests",
    "model runner has unexpectedly stopped", "model runner has unexpectedly stopped",
)
PROTOCOLS = [pytest.param(p, id=p.id) for p in (OPENAI, ANTHROPIC, GEMINI, OLLAMA)]


@pytest.fixture
def run(cli, monkeypatch):
    """``run(protocol, *args)``: ``appam run q`` against the loopback server in that protocol."""

    def run_(protocol: Protocol, *args: str):
        if protocol.key_env:
            monkeypatch.setenv(protocol.key_env, "test-dummy-key")
        return cli("run", "q", "-m", protocol.model, "--api-base", protocol.base(cli.server), *args)

    return run_


def clean(stderr: str) -> None:
    """Nothing of litellm's own making reaches the user: no traceback, no raw bytes, no boilerplate."""
    assert "Traceback" not in stderr
    assert "b'" not in stderr and 'b"' not in stderr
    assert "litellm" not in stderr.lower()


# ---------------------------------------------------------------- 401


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_401_is_one_line_and_never_retried(run, cli, protocol):
    cli.server.enqueue(HTTPError(401), Reply("never sent"))
    result = run(protocol, "--retries", "2")
    line = result.error_line(code=3)
    assert line == f"appam: authentication failed for {protocol.model} (HTTP 401): {protocol.auth_message}"
    clean(result.stderr)
    assert len(protocol.requests(cli.server)) == 1
    assert cli.server.pending == 1  # the answer queued after it was never asked for


# ---------------------------------------------------------------- 429 and the provider's retry hint


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_429_waits_as_long_as_the_provider_asks_then_answers(run, cli, protocol):
    cli.server.enqueue(protocol.rate_limited(1), Reply("after the wait"))
    result = run(protocol, "--retries", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "after the wait\n"
    notice, *rest = result.stderr.strip().splitlines()
    assert notice.startswith(f"rate limited (HTTP 429): {protocol.rate_limit_message}"), notice
    assert notice.endswith("; retrying in 1.0 s (attempt 2 of 2)"), notice
    assert not any(line.startswith("appam:") for line in rest), result.stderr
    clean(result.stderr)
    limited, answered = protocol.requests(cli.server)
    assert answered.time - limited.time >= 0.9  # the wait asked for, less a little clock slack
    session = only_session(cli.home)
    assert (session.status, session.messages[-1].content) == ("completed", "after the wait")


# ---------------------------------------------------------------- 5xx with the retries used up

SERVER_ERRORS = [
    pytest.param(GEMINI, 503, "UNAVAILABLE: The model is overloaded. Please try again later.", id="gemini-503"),
    pytest.param(OLLAMA, 500, "llama runner process has terminated: exit status 2", id="ollama-500"),
]


@pytest.mark.parametrize(("protocol", "status", "words"), SERVER_ERRORS)
def test_server_error_names_the_real_status_and_the_providers_words(run, cli, protocol, status, words):
    cli.server.enqueue(*[HTTPError(status, headers={"Retry-After": "0"})] * 2)
    result = run(protocol, "--retries", "1")
    assert result.exit_code == 3, result.stderr
    base = protocol.base(cli.server)
    assert result.stderr.strip().splitlines() == [
        f"HTTP {status}: {words.rstrip('.')}; retrying in 0.0 s (attempt 2 of 2)",
        f"appam: server error from {base} (HTTP {status}) after 2 attempts: {words}",
    ]
    clean(result.stderr)
    assert len(protocol.requests(cli.server)) == 2
    session = only_session(cli.home)
    assert session.status == "failed"
    assert [(m.role, m.content) for m in session.messages] == [("user", "q")]


# ---------------------------------------------------------------- an error inside an open 200 stream


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_error_inside_an_open_stream_before_any_text_is_retried(run, cli, protocol):
    cli.server.enqueue(Reply("", error_event=protocol.stream_error), Reply("the answer"))
    closed_before = len(cli.server.error_streams_closed_at)
    result = run(protocol, "--retries", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "the answer\n"
    notice, *rest = result.stderr.strip().splitlines()
    assert re.fullmatch(r"error from the provider: .+; retrying in \d\.\d s \(attempt 2 of 2\)", notice), notice
    assert protocol.stream_error_message in notice, notice
    assert not any(line.startswith("appam:") for line in rest), result.stderr
    clean(result.stderr)
    cut, retried = protocol.requests(cli.server)
    assert cli.server.wait_for_requests(2)
    (closed_at,) = cli.server.error_streams_closed_at[closed_before:]
    assert closed_at is not None and closed_at <= retried.time, "the failed stream stayed open into the retry"
    session = only_session(cli.home)
    assert session.status == "completed"
    assert [(m.role, m.content, m.status) for m in session.messages][-1] == ("assistant", "the answer", "completed")


# ---------------------------------------------------------------- the same, over and over, in real processes

# Issue 10 asks for about twenty runs; each is a whole appam process (~3 s here, mostly importing litellm),
# so twenty of each protocol would take over two minutes. Six of each keeps this test near 40 s.
E2E_RUNS = 6
E2E_PROTOCOLS = (ANTHROPIC, GEMINI)
# litellm is imported first, then the collector runs at almost every allocation: over loading the store,
# the failed attempt and the retry, where the race was (not over the import, which it only slows down).
CHILD = ("import gc, sys; from appam_cli.providers.loader import load_litellm; load_litellm(); gc.set_threshold(1); "
         "from appam_cli.__main__ import main; sys.argv[0] = 'appam'; main()")


@pytest.mark.e2e
def test_errors_inside_open_streams_are_retried_without_hanging_in_a_populated_store(provider, appam_home):
    """The failed attempt's response must be closed before the retry: left to the garbage collector, it
    was finalised while the next attempt held httpcore's pool lock, and the process hung, but not every
    time (issue 10: about twenty runs with a populated store). So: a store of ten sessions, the collector
    at almost every allocation, several runs of each protocol, each with a deadline, and the server's
    note that the cut stream was let go of before the retry was sent."""
    save(appam_home, *[make_session(f"question {i}", f"answer {i}", tokens=(100 + i, 20)) for i in range(10)])
    env = {**os.environ, "ANTHROPIC_API_KEY": "test-dummy-key", "GEMINI_API_KEY": "test-dummy-key",
           "APPAM_RETRY_MAX_WAIT": "0"}  # retry at once: the race is in the retry, not in the wait before it
    started = time.monotonic()
    for n in range(E2E_RUNS):
        for protocol in E2E_PROTOCOLS:
            provider.enqueue(Reply("", error_event=protocol.stream_error), Reply(f"answer {n}"))
            closed_before = len(provider.error_streams_closed_at)
            done = subprocess.run(
                [sys.executable, "-c", CHILD, "run", "q", "-m", protocol.model, "--api-base", protocol.base(provider),
                 "--retries", "1", "--raw"],
                env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
            )
            where = f"run {n + 1} ({protocol.id})"
            assert done.returncode == 0, (where, done.stderr)
            assert done.stdout == f"answer {n}\n", where
            cut, retried = protocol.requests(provider)[-2:]
            (closed_at,) = provider.error_streams_closed_at[closed_before:]
            assert closed_at is not None and closed_at <= retried.time, f"{where}: the cut stream stayed open"
    assert len(sessions(appam_home)) == 10 + E2E_RUNS * len(E2E_PROTOCOLS)
    print(f"{E2E_RUNS * len(E2E_PROTOCOLS)} runs in {time.monotonic() - started:.1f} s")
