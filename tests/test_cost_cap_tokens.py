"""A cost cap is a promise: counted with the model's tokenizer, not four characters a token.

The provider counts the streamed answer with litellm's token counter at checkpoints (``Progress``
events, where litellm runs: the worker or this process) and the guard stops before the cap, so
what the ledger records for a capped run never passes the cap by more than one chunk's worth;
and the stop line says the truth. Texts here run at a token a character or more: digits between
spaces, CJK, emoji (four characters a token undercounts them four to eight times).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from provider_server import Reply
from sessions_store import add_request, load, only_session, sessions

PER_TOKEN = 0.001  # USD an output token
EXPENSIVE = '[prices."openai/test-model"]\ninput = 1\noutput = 1000\n'  # $1 / $1000 per million

TEXTS = {
    "digits": [" ".join(str(n % 10) for n in range(i, i + 3)) + " " for i in range(0, 3000, 3)],
    "cjk": ["你好世界" for _ in range(600)],
    "emoji": ["😀🎉🚀" for _ in range(600)],
}


def chunk_cost(chunks: list[str]) -> float:
    """One chunk's worth, at most: a token a UTF-8 byte of the largest chunk."""
    return max(len(c.encode()) for c in chunks) * PER_TOKEN


def at_most(line: str) -> float:
    found = re.search(r"at most \$([0-9.]+)", line)
    assert found, line
    return float(found.group(1))


@pytest.fixture(params=["worker", "in-process"])
def where(request, monkeypatch):
    """The request served by the shared worker, and by this process (APPAM_PROVIDER_WORKER=0)."""
    if request.param == "in-process":
        monkeypatch.setenv("APPAM_PROVIDER_WORKER", "0")
    return request.param


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_a_capped_run_records_no_more_than_its_cap(cli, write_config, where, kind):
    write_config(EXPENSIVE)
    chunks = TEXTS[kind]
    cli.server.enqueue(Reply(chunks, chunk_delay=0.002))
    cap = 0.05  # about 50 output tokens
    result = cli.run("write", "--max-cost", str(cap))
    assert result.exit_code == 5, result.stderr
    (line,) = result.appam_lines()
    assert "stopped mid-answer" in line and "--max-cost $0.05" in line

    session = only_session(cli.home)
    (request,) = session.requests
    answer = session.messages[-1]
    assert answer.role == "assistant" and answer.status == "incomplete" and answer.content
    assert result.stdout.startswith(answer.content)
    recorded = request.cost_usd
    assert recorded is not None
    assert recorded <= cap + chunk_cost(chunks), (kind, recorded, answer.content)
    assert recorded <= at_most(line) + 1e-9  # "at most $X so far" is true of what was recorded
    assert session.usage.total_cost_usd == pytest.approx(recorded)
    # The footer shows the recorded figure, not more than the cap.
    footer = re.search(r"\$([0-9.]+) · 1 request", result.stdout + result.stderr)
    assert footer and float(footer.group(1)) <= cap + chunk_cost(chunks)
    # and it did not give up absurdly early either: a good part of the cap was used
    assert request.usage.output_tokens * PER_TOKEN >= cap / 3, request.usage


def test_a_long_cap_counts_finely_enough_to_stop_near_it(cli, write_config, where):
    """A cap of a few thousand tokens: the answer runs to most of it, and never past it."""
    write_config('[prices."openai/test-model"]\ninput = 1\noutput = 10\n')  # $0.00001 a token
    chunks = TEXTS["digits"] * 2
    cli.server.enqueue(Reply(chunks))
    cap = 0.03  # about 3000 output tokens
    result = cli.run("write", "--max-cost", str(cap))
    assert result.exit_code == 5, result.stderr
    (request,) = only_session(cli.home).requests
    assert request.cost_usd is not None
    assert 0.7 * cap <= request.cost_usd <= cap + max(len(c) for c in chunks) * 0.00001


def test_a_daily_budget_stop_leaves_the_day_within_the_budget(cli, write_config, where):
    """The issue's case: a run stopped with a little budget left must not take the day past 100 %."""
    write_config(EXPENSIVE + "[budget]\ndaily_usd = 0.08\n")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    add_request(cli.home, today, cost=0.05)  # $0.03 left: about 30 output tokens
    chunks = TEXTS["digits"]
    cli.server.enqueue(Reply(chunks, chunk_delay=0.002))
    result = cli.run("write")
    assert result.exit_code == 5, result.stderr
    assert "stopped mid-answer" in result.appam_lines()[-1] and "budget.daily_usd" in result.appam_lines()[-1]

    report = json.loads(cli("usage", "--json", "--since", today.strftime("%Y-%m-%d")).stdout)
    spent = sum(g["cost_usd"] for g in report["groups"])
    assert spent <= 0.08 + chunk_cost(chunks), report

    again = cli.run("q")
    percents = [int(p) for p in re.findall(r"(\d+)%", again.stderr)]
    assert percents and max(percents) <= 100, again.stderr


def test_reasoning_counts_against_the_cap_and_in_the_record(cli, write_config, where):
    """Reasoning is billed as output: it is counted while it streams and recorded when stopped."""
    write_config(EXPENSIVE)
    reasoning = TEXTS["digits"][:400]
    cli.server.enqueue(Reply(["answer"], reasoning=reasoning, chunk_delay=0.002))
    result = cli.run("think", "--max-cost", "0.05")
    assert result.exit_code == 5, result.stderr
    session = load(cli.home, sessions(cli.home)[0].session_id)
    (request,) = session.requests
    answer = session.messages[-1]
    assert answer.reasoning and not answer.content
    assert request.cost_usd is not None and request.cost_usd <= 0.05 + chunk_cost(reasoning)
    # what was recorded covers the reasoning that arrived (a token a character here)
    assert request.usage.output_tokens >= len(answer.reasoning) // 2


def test_an_answer_not_streamed_is_never_called_cut(cli, write_config):
    """With --no-stream the answer arrives whole (and is paid for): it is saved complete with the
    provider's usage, and the cap refuses the next request instead."""
    write_config(EXPENSIVE)
    text = " ".join(str(n % 10) for n in range(200))
    cli.server.enqueue(Reply(text, usage={"prompt_tokens": 5, "completion_tokens": 200}))
    result = cli.run("write", "--no-stream", "--max-cost", "0.05")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == text
    session = only_session(cli.home)
    assert session.messages[-1].status == "completed" and session.status == "completed"
    (request,) = session.requests
    assert request.usage.output_tokens == 200 and not request.usage.estimated
    assert request.cost_usd == pytest.approx(0.200005)
