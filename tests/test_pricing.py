"""Exact dollar amounts, from the providers' published per-token rates (not from the price map).

Each expected amount is written out from the public price list, rate by rate, so a wrong
formula (cached tokens counted twice, reasoning dropped, cache writes at the input rate)
or a wrong lookup shows up as a different number.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from provider_server import Reply

M = 1_000_000


def write_config(home, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def run_json(cli, model, reply, *args):
    cli.server.enqueue(reply)
    result = cli.run("q", "--json", *args, model=model)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["usage"], result


def test_openai_chat_model_with_cached_input(cli):
    usage, result = run_json(cli, "openai/gpt-4o-mini", Reply("ok", usage={
        "prompt_tokens": 2000,
        "completion_tokens": 300,
        "prompt_tokens_details": {"cached_tokens": 1536},
    }))
    # gpt-4o-mini (openai.com/api/pricing, per million tokens): input $0.15, cached input $0.075, output $0.60.
    # Cached tokens are part of prompt_tokens: 464 uncached + 1,536 cached.
    expected = (464 * 0.15 + 1536 * 0.075 + 300 * 0.60) / M  # = $0.0003648
    assert usage["total_cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert usage["total_cost_usd"] == pytest.approx(0.0003648, rel=1e-9)
    assert (usage["total_input_tokens"], usage["total_cache_read_tokens"]) == (2000, 1536)
    assert "$0.0004" in result.stderr


def test_openai_reasoning_model(cli):
    usage, _ = run_json(cli, "openai/o4-mini", Reply("42", usage={
        "prompt_tokens": 3000,
        "completion_tokens": 800,
        "prompt_tokens_details": {"cached_tokens": 2048},
        "completion_tokens_details": {"reasoning_tokens": 600},
    }))
    # o4-mini (openai.com/api/pricing, per million tokens): input $1.10, cached input $0.275, output $4.40;
    # reasoning tokens are billed as output tokens (they are part of completion_tokens).
    expected = (952 * 1.10 + 2048 * 0.275 + 800 * 4.40) / M  # = $0.0051304
    assert usage["total_cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert usage["total_cost_usd"] == pytest.approx(0.0051304, rel=1e-9)
    assert (usage["total_output_tokens"], usage["total_reasoning_tokens"]) == (800, 600)


def test_openai_reasoning_model_without_cache(cli):
    usage, _ = run_json(cli, "openai/o3-mini", Reply("42", usage={
        "prompt_tokens": 1000,
        "completion_tokens": 2500,
        "completion_tokens_details": {"reasoning_tokens": 2000},
    }))
    # o3-mini (openai.com/api/pricing, per million tokens): input $1.10, output $4.40 (reasoning included).
    assert usage["total_cost_usd"] == pytest.approx((1000 * 1.10 + 2500 * 4.40) / M, rel=1e-9)  # $0.0121


def test_unknown_model_costs_unknown_never_zero(cli):
    usage, result = run_json(cli, "openai/my-local-model", Reply("ok", usage={"prompt_tokens": 10, "completion_tokens": 5}))
    assert usage["unpriced_requests"] == 1
    assert "cost unknown" in result.stderr
    assert "$0.00" not in result.stderr
    assert cli.rows("SELECT cost_usd FROM requests")[0]["cost_usd"] is None
    session = cli.rows("SELECT unpriced_requests, cost_usd FROM sessions")[0]
    assert (session["unpriced_requests"], session["cost_usd"]) == (1, 0.0)


def test_config_prices_apply_to_new_requests(cli, appam_home):
    write_config(appam_home, '[prices."openai/my-model"]\ninput = 2.0\noutput = 8.0\ncache_read = 0.5\n')
    usage, result = run_json(cli, "openai/my-model", Reply("ok", usage={
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 400},
    }))
    # the configured rates: 600 uncached x $2 + 400 cached x $0.50 + 100 output x $8, per million
    assert usage["total_cost_usd"] == pytest.approx((600 * 2.0 + 400 * 0.5 + 100 * 8.0) / M, rel=1e-9)  # $0.0022
    assert usage["unpriced_requests"] == 0
    assert "$0.0022" in result.stderr


def test_config_prices_override_the_price_map(cli, appam_home):
    write_config(appam_home, '[prices."openai/gpt-4o-mini"]\ninput = 1\noutput = 1\n')
    usage, _ = run_json(cli, "openai/gpt-4o-mini", Reply("ok", usage={"prompt_tokens": 1000, "completion_tokens": 1000}))
    assert usage["total_cost_usd"] == pytest.approx(2000 / M, rel=1e-9)


def test_cache_writes_without_a_configured_rate_cost_as_input(cli, appam_home):
    write_config(appam_home, '[prices."openai/my-model"]\ninput = 3\noutput = 15\n')
    usage, _ = run_json(cli, "openai/my-model", Reply("ok", usage={
        "prompt_tokens": 1000,
        "completion_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 500},
    }))
    assert usage["total_cost_usd"] == pytest.approx((1000 * 3 + 10 * 15) / M, rel=1e-9)


def test_cost_is_fixed_when_the_request_is_made(cli, appam_home):
    write_config(appam_home, '[prices."openai/my-model"]\ninput = 1\noutput = 1\n')
    run_json(cli, "openai/my-model", Reply("ok", usage={"prompt_tokens": 500, "completion_tokens": 500}))
    write_config(appam_home, '[prices."openai/my-model"]\ninput = 100\noutput = 100\n')
    result = cli("usage", "--reprice")
    assert result.exit_code == 0
    assert "Repriced 0 requests" in result.stdout
    assert cli.rows("SELECT cost_usd FROM requests")[0]["cost_usd"] == pytest.approx(1000 / M, rel=1e-9)


@pytest.mark.parametrize(
    "config, message",
    [
        ('[prices."m"]\ninput = "cheap"\noutput = 1\n', 'invalid [prices."m"] input'),
        ('[prices."m"]\ninput = 1\n', "output is required"),
        ('[prices."m"]\ninput = 1\noutput = 1\nfoo = 2\n', "unknown key 'foo'"),
        ('[prices."m"]\ninput = -1\noutput = 1\n', "must not be negative"),
        ("prices = 3\n", "[prices] must be a table"),
        ("[budget]\ndaily_usd = -5\n", "budget.daily_usd"),
        ("[budget]\ndaily = 5\n", "unknown key budget.daily"),
    ],
)
def test_invalid_prices_and_budget_config_is_one_clear_line(cli, appam_home, config, message):
    write_config(appam_home, config)
    result = cli.run("q")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert cli.server.requests == []


def test_reprice_prices_unpriced_rows_and_updates_session_totals(cli, appam_home):
    for _ in range(2):
        run_json(cli, "openai/my-model", Reply("ok", usage={"prompt_tokens": 1000, "completion_tokens": 200}))
    run_json(cli, "openai/other-model", Reply("ok", usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert [r["cost_usd"] for r in cli.rows("SELECT cost_usd FROM requests")] == [None, None, None]

    write_config(appam_home, '[prices."openai/my-model"]\ninput = 1.5\noutput = 6\n')
    result = cli("usage", "--reprice")
    assert result.exit_code == 0, result.stderr
    assert "Repriced 2 requests; 1 still has no known price" in result.stdout
    expected = (1000 * 1.5 + 200 * 6) / M  # $0.0027 each
    rows = cli.rows("SELECT model, cost_usd FROM requests ORDER BY id")
    assert [r["cost_usd"] for r in rows[:2]] == [pytest.approx(expected, rel=1e-9)] * 2
    assert rows[2]["cost_usd"] is None
    sessions = cli.rows("SELECT model, cost_usd, unpriced_requests FROM sessions ORDER BY started_at")
    assert [(s["cost_usd"], s["unpriced_requests"]) for s in sessions[:2]] == [(pytest.approx(expected), 0)] * 2
    assert sessions[2]["unpriced_requests"] == 1

    again = cli("usage", "--reprice")
    assert "Repriced 0 requests; 1 still has no known price" in again.stdout


def test_reprice_on_an_empty_store(offline_cli):
    result = offline_cli("usage", "--reprice")
    assert result.exit_code == 0
    assert "nothing to reprice" in result.stdout


def test_reprice_uses_the_time_a_request_was_made_for_off_peak_rates(cli):
    """litellm's map gives DeepSeek's flash model off-peak rates (UTC hour windows on weekdays,
    all weekend) at half the standard ones; a request is priced at the rate of its own time."""
    run_json(cli, "openai/unpriced", Reply("ok", usage={"prompt_tokens": 1, "completion_tokens": 1}))  # makes the store
    with sqlite3.connect(cli.home / "sessions.db") as conn:
        for when in ("2026-11-23 08:00:00.000000", "2026-11-28 08:00:00.000000"):  # Monday 08:00, Saturday 08:00 UTC
            conn.execute(
                "INSERT INTO requests (agent_name, model, started_at, status, input_tokens, output_tokens, "
                "cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, usage_estimated, imported) "
                "VALUES ('default', 'deepseek/deepseek-flash', ?, 'completed', 100000, 10000, 0, 0, 0, NULL, 0, 0)",
                (when,),
            )
    assert "Repriced 2 requests" in cli("usage", "--reprice").stdout
    peak, weekend = [r["cost_usd"] for r in cli.rows(
        "SELECT cost_usd FROM requests WHERE model = 'deepseek/deepseek-flash' ORDER BY started_at")]
    assert peak > 0 and weekend == pytest.approx(peak / 2, rel=1e-9)
