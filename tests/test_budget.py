"""Spending limits: ``--max-cost`` (before the request and mid-stream) and ``[budget]`` (daily/monthly, UTC).

A stop is exit code 5 with one ``appam:`` line, and everything received is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from provider_server import Reply, long_reply, markdown_document, split_words
from sessions_store import add_request, load, only_session, sessions

EXPENSIVE = '[prices."openai/test-model"]\ninput = 1\noutput = 1000\n'  # $0.001 per output token


def test_max_cost_stops_mid_stream_and_keeps_the_partial_answer(cli, write_config):
    write_config(EXPENSIVE)
    full = markdown_document(600)
    cli.server.enqueue(Reply(split_words(full, 2), chunk_delay=0.01))
    result = cli.run("write a long document", "--max-cost", "0.05")
    assert result.exit_code == 5, result.stderr
    lines = result.appam_lines()
    assert len(lines) == 1 and "stopped mid-answer" in lines[0] and "--max-cost $0.05" in lines[0]
    assert "Traceback" not in result.stderr
    assert len(cli.server.requests) == 1

    session = only_session(cli.home)
    assert session.status == "interrupted"
    (answer,) = [m for m in session.messages if m.role == "assistant"]
    assert answer.status == "incomplete"
    assert answer.content and full.startswith(answer.content) and len(answer.content) < len(full) / 2
    assert result.stdout.startswith(answer.content[:40])
    # ~50 output tokens at ~4 characters each fit under $0.05 at $0.001 a token
    assert 100 < len(answer.content) < 400
    (request,) = session.requests
    assert request.usage.estimated and request.cost_usd is not None
    assert session.usage.request_count == 1 and session.usage.estimated_requests == 1
    assert "(estimated)" in result.stderr  # the footer says the usage is an estimate


def test_max_cost_stops_before_sending_when_the_prompt_alone_passes_it(cli, write_config):
    write_config('[prices."openai/test-model"]\ninput = 1000\noutput = 1000\n')
    result = cli.run("a prompt of several words that costs more than the limit", "--max-cost", "0.001")
    assert result.exit_code == 5
    assert "stopped before sending" in result.appam_lines()[0]
    assert cli.server.requests == []
    assert sessions(cli.home) == []  # nothing was sent: no session either (tests/test_unsent_failures.py)


def test_max_cost_under_the_limit_runs_normally(cli):
    cli.server.enqueue(Reply("short answer", usage={"prompt_tokens": 10, "completion_tokens": 3}))
    result = cli.run("q", "--max-cost", "1", model="openai/gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "short answer\n"


def test_max_cost_needs_a_known_price(cli):
    result = cli.run("q", "--max-cost", "1", model="openai/unpriced-model")
    assert result.exit_code == 1
    lines = result.appam_lines()
    assert len(lines) == 1 and "price is unknown" in lines[0] and '[prices."openai/unpriced-model"]' in lines[0]
    assert cli.server.requests == []
    assert not (cli.home / "sessions.db").exists() or all(not load(cli.home, s.session_id).messages
                                                           for s in sessions(cli.home))


def make_store(cli) -> None:
    cli.server.enqueue(Reply("first", usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert cli.run("first", model="openai/unpriced").exit_code == 0  # unpriced: costs nothing known


def midnight_today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def test_daily_budget_warns_at_80_percent(cli, write_config):
    make_store(cli)
    write_config("[budget]\ndaily_usd = 1.00\n")
    add_request(cli.home, midnight_today(), cost=0.85)
    cli.server.enqueue(Reply("ok"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert "budget warning" in result.stderr and "85%" in result.stderr and "budget.daily_usd" in result.stderr


def test_daily_budget_refuses_new_runs_past_100_percent_unless_forced(cli, write_config):
    make_store(cli)
    write_config("[budget]\ndaily_usd = 1.00\n")
    add_request(cli.home, midnight_today(), cost=1.20)
    sent = len(cli.server.requests)
    result = cli.run("q")
    assert result.exit_code == 5
    lines = result.appam_lines()
    assert len(lines) == 1 and "budget reached" in lines[0] and "--force" in lines[0]
    assert "today (UTC)" in lines[0]
    assert len(cli.server.requests) == sent  # nothing sent
    assert len(sessions(cli.home)) == 1  # no new session either

    cli.server.enqueue(Reply("forced"))
    forced = cli.run("q", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert forced.stdout == "forced\n"
    assert "running anyway" in forced.stderr


def test_daily_budget_counts_only_today_utc(cli, write_config):
    make_store(cli)
    write_config("[budget]\ndaily_usd = 1.00\n")
    today = midnight_today()
    add_request(cli.home, today - timedelta(microseconds=1), cost=50.0)  # 23:59:59.999999 yesterday (UTC): not today
    add_request(cli.home, today, cost=0.10)  # 00:00:00 today (UTC)
    cli.server.enqueue(Reply("ok"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert "budget" not in result.stderr


def test_monthly_budget_counts_from_the_first_of_the_month_utc(cli, write_config):
    make_store(cli)
    write_config("[budget]\nmonthly_usd = 10\n")
    first = midnight_today().replace(day=1)
    add_request(cli.home, first - timedelta(microseconds=1), cost=500.0)  # the last moment of last month
    add_request(cli.home, first, cost=10.0)
    result = cli.run("q")
    assert result.exit_code == 5
    assert "this month (UTC)" in result.appam_lines()[0]
    assert "$10.00 spent" in result.appam_lines()[0]


def test_budget_left_stops_a_run_mid_stream_with_the_session_intact(cli, write_config):
    make_store(cli)
    write_config(EXPENSIVE + "[budget]\ndaily_usd = 1.00\n")
    add_request(cli.home, midnight_today(), cost=0.95)  # $0.05 left: about 50 output tokens at $0.001
    cli.server.enqueue(long_reply(600, chunk_delay=0.01))
    result = cli.run("write a long document")
    assert result.exit_code == 5, result.stderr
    lines = result.appam_lines()
    assert len(lines) == 2 and "budget warning" in lines[0]
    assert "stopped mid-answer" in lines[1] and "budget.daily_usd" in lines[1]
    saved = sessions(cli.home)
    assert [s.status for s in saved] == ["completed", "interrupted"]
    messages = load(cli.home, saved[1].session_id).messages
    assert [(m.role, m.status) for m in messages] == [("user", "completed"), ("assistant", "incomplete")]
    assert messages[1].content
    # The session can be read back and continued: it is intact.
    shown = cli("sessions", "show", saved[1].session_id, "--json")
    assert shown.exit_code == 0


def test_budget_environment_variable(cli, monkeypatch):
    make_store(cli)
    add_request(cli.home, midnight_today(), cost=3.0)
    monkeypatch.setenv("APPAM_BUDGET_DAILY_USD", "2")
    result = cli.run("q")
    assert result.exit_code == 5
    assert "budget.daily_usd" in result.appam_lines()[0]
