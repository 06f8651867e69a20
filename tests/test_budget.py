"""Spending limits: ``--max-cost`` (before the request and mid-stream) and ``[budget]`` (daily/monthly, UTC).

A stop is exit code 5 with one ``appam:`` line, and everything received is saved.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from provider_server import Reply, long_reply, markdown_document, split_words

EXPENSIVE = '[prices."openai/test-model"]\ninput = 1\noutput = 1000\n'  # $0.001 per output token
M = 1_000_000


def write_config(home, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def appam_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("appam:")]


def test_max_cost_stops_mid_stream_and_keeps_the_partial_answer(cli, appam_home):
    write_config(appam_home, EXPENSIVE)
    full = markdown_document(600)
    cli.server.enqueue(Reply(split_words(full, 2), chunk_delay=0.01))
    result = cli.run("write a long document", "--max-cost", "0.05")
    assert result.exit_code == 5, result.stderr
    lines = appam_lines(result.stderr)
    assert len(lines) == 1 and "stopped mid-answer" in lines[0] and "--max-cost $0.05" in lines[0]
    assert "Traceback" not in result.stderr
    assert len(cli.server.requests) == 1

    session = cli.rows("SELECT * FROM sessions")[0]
    assert session["status"] == "interrupted"
    answer = cli.rows("SELECT content, status FROM messages WHERE role = 'assistant'")[0]
    assert answer["status"] == "incomplete"
    assert answer["content"] and full.startswith(answer["content"]) and len(answer["content"]) < len(full) / 2
    assert result.stdout.startswith(answer["content"][:40])
    # ~50 output tokens at ~4 characters each fit under $0.05 at $0.001 a token
    assert 100 < len(answer["content"]) < 400
    request = cli.rows("SELECT * FROM requests")[0]
    assert request["usage_estimated"] == 1 and request["cost_usd"] is not None
    assert session["request_count"] == 1 and session["estimated_requests"] == 1
    assert "(estimated)" in result.stderr  # the footer says the usage is an estimate


def test_max_cost_stops_before_sending_when_the_prompt_alone_passes_it(cli, appam_home):
    write_config(appam_home, '[prices."openai/test-model"]\ninput = 1000\noutput = 1000\n')
    result = cli.run("a prompt of several words that costs more than the limit", "--max-cost", "0.001")
    assert result.exit_code == 5
    assert "stopped before sending" in appam_lines(result.stderr)[0]
    assert cli.server.requests == []
    session = cli.rows("SELECT * FROM sessions")[0]
    assert session["status"] == "interrupted"
    assert [tuple(m) for m in cli.rows("SELECT role, content FROM messages")] == [
        ("user", "a prompt of several words that costs more than the limit")
    ]


def test_max_cost_under_the_limit_runs_normally(cli):
    cli.server.enqueue(Reply("short answer", usage={"prompt_tokens": 10, "completion_tokens": 3}))
    result = cli.run("q", "--max-cost", "1", model="openai/gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "short answer\n"


def test_max_cost_needs_a_known_price(cli):
    result = cli.run("q", "--max-cost", "1", model="openai/unpriced-model")
    assert result.exit_code == 1
    lines = appam_lines(result.stderr)
    assert len(lines) == 1 and "price is unknown" in lines[0] and '[prices."openai/unpriced-model"]' in lines[0]
    assert cli.server.requests == []
    assert not (cli.home / "sessions.db").exists() or cli.rows("SELECT * FROM messages") == []


def spend(cli, usd: float, when: datetime, model: str = "openai/test-model") -> None:
    """A ledger row as a request made at ``when`` would leave it."""
    with sqlite3.connect(cli.home / "sessions.db") as conn:
        conn.execute(
            "INSERT INTO requests (session_id, agent_name, model, started_at, status, input_tokens, output_tokens, "
            "cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, usage_estimated, imported) "
            "VALUES (NULL, 'default', ?, ?, 'completed', 1, 1, 0, 0, 0, ?, 0, 0)",
            (model, when.strftime("%Y-%m-%d %H:%M:%S.%f"), usd),
        )


def make_store(cli) -> None:
    cli.server.enqueue(Reply("first", usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert cli.run("first", model="openai/unpriced").exit_code == 0  # unpriced: costs nothing known


def midnight_today() -> datetime:
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def test_daily_budget_warns_at_80_percent(cli, appam_home):
    make_store(cli)
    write_config(appam_home, "[budget]\ndaily_usd = 1.00\n")
    spend(cli, 0.85, midnight_today())
    cli.server.enqueue(Reply("ok"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert "budget warning" in result.stderr and "85%" in result.stderr and "budget.daily_usd" in result.stderr


def test_daily_budget_refuses_new_runs_past_100_percent_unless_forced(cli, appam_home):
    make_store(cli)
    write_config(appam_home, "[budget]\ndaily_usd = 1.00\n")
    spend(cli, 1.20, midnight_today())
    sent = len(cli.server.requests)
    result = cli.run("q")
    assert result.exit_code == 5
    lines = appam_lines(result.stderr)
    assert len(lines) == 1 and "budget reached" in lines[0] and "--force" in lines[0]
    assert "today (UTC)" in lines[0]
    assert len(cli.server.requests) == sent  # nothing sent
    assert len(cli.rows("SELECT * FROM sessions")) == 1  # no new session either

    cli.server.enqueue(Reply("forced"))
    forced = cli.run("q", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert forced.stdout == "forced\n"
    assert "running anyway" in forced.stderr


def test_daily_budget_counts_only_today_utc(cli, appam_home):
    make_store(cli)
    write_config(appam_home, "[budget]\ndaily_usd = 1.00\n")
    today = midnight_today()
    spend(cli, 50.0, today - timedelta(microseconds=1))  # 23:59:59.999999 yesterday (UTC): not today
    spend(cli, 0.10, today)  # 00:00:00 today (UTC)
    cli.server.enqueue(Reply("ok"))
    result = cli.run("q")
    assert result.exit_code == 0, result.stderr
    assert "budget" not in result.stderr


def test_monthly_budget_counts_from_the_first_of_the_month_utc(cli, appam_home):
    make_store(cli)
    write_config(appam_home, "[budget]\nmonthly_usd = 10\n")
    first = midnight_today().replace(day=1)
    spend(cli, 500.0, first - timedelta(microseconds=1))  # the last moment of last month
    spend(cli, 10.0, first)
    result = cli.run("q")
    assert result.exit_code == 5
    assert "this month (UTC)" in appam_lines(result.stderr)[0]
    assert "$10.00 spent" in appam_lines(result.stderr)[0]


def test_budget_left_stops_a_run_mid_stream_with_the_session_intact(cli, appam_home):
    make_store(cli)
    write_config(appam_home, EXPENSIVE + "[budget]\ndaily_usd = 1.00\n")
    spend(cli, 0.95, midnight_today())  # $0.05 left: about 50 output tokens at $0.001
    cli.server.enqueue(long_reply(600, chunk_delay=0.01))
    result = cli.run("write a long document")
    assert result.exit_code == 5, result.stderr
    lines = appam_lines(result.stderr)
    assert len(lines) == 2 and "budget warning" in lines[0]
    assert "stopped mid-answer" in lines[1] and "budget.daily_usd" in lines[1]
    sessions = cli.rows("SELECT id, status FROM sessions ORDER BY started_at")
    assert [s["status"] for s in sessions] == ["completed", "interrupted"]
    messages = cli.rows("SELECT role, content, status FROM messages WHERE session_id = ? ORDER BY position",
                        sessions[1]["id"])
    assert [(m["role"], m["status"]) for m in messages] == [("user", "completed"), ("assistant", "incomplete")]
    assert messages[1]["content"]
    # The session can be read back and continued: it is intact.
    shown = cli("sessions", "show", sessions[1]["id"], "--json")
    assert shown.exit_code == 0


def test_budget_environment_variable(cli, appam_home, monkeypatch):
    make_store(cli)
    spend(cli, 3.0, midnight_today())
    monkeypatch.setenv("APPAM_BUDGET_DAILY_USD", "2")
    result = cli.run("q")
    assert result.exit_code == 5
    assert "budget.daily_usd" in appam_lines(result.stderr)[0]
