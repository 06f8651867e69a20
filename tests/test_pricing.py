"""Exact dollar amounts, from the providers' published per-token rates (not from the price map).

Each expected amount is written out from the public price list, rate by rate, so a wrong
formula (cached tokens counted twice, reasoning dropped, cache writes at the input rate)
or a wrong lookup shows up as a different number.
"""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import add_request, only_session, saved_requests, sessions

M = 1_000_000

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
    session = only_session(cli.home)
    assert [r.cost_usd for r in session.requests] == [None]
    assert (session.usage.unpriced_requests, session.usage.total_cost_usd) == (1, 0.0)


def test_config_prices_apply_to_new_requests(cli, write_config):
    write_config('[prices."openai/my-model"]\ninput = 2.0\noutput = 8.0\ncache_read = 0.5\n')
    usage, result = run_json(cli, "openai/my-model", Reply("ok", usage={
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 400},
    }))
    # the configured rates: 600 uncached x $2 + 400 cached x $0.50 + 100 output x $8, per million
    assert usage["total_cost_usd"] == pytest.approx((600 * 2.0 + 400 * 0.5 + 100 * 8.0) / M, rel=1e-9)  # $0.0022
    assert usage["unpriced_requests"] == 0
    assert "$0.0022" in result.stderr


def test_config_prices_override_the_price_map(cli, write_config):
    write_config('[prices."openai/gpt-4o-mini"]\ninput = 1\noutput = 1\n')
    usage, _ = run_json(cli, "openai/gpt-4o-mini", Reply("ok", usage={"prompt_tokens": 1000, "completion_tokens": 1000}))
    assert usage["total_cost_usd"] == pytest.approx(2000 / M, rel=1e-9)


def test_cache_writes_without_a_configured_rate_cost_as_input(cli, write_config):
    write_config('[prices."openai/my-model"]\ninput = 3\noutput = 15\n')
    usage, _ = run_json(cli, "openai/my-model", Reply("ok", usage={
        "prompt_tokens": 1000,
        "completion_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 500},
    }))
    assert usage["total_cost_usd"] == pytest.approx((1000 * 3 + 10 * 15) / M, rel=1e-9)


def test_cost_is_fixed_when_the_request_is_made(cli, write_config):
    write_config('[prices."openai/my-model"]\ninput = 1\noutput = 1\n')
    run_json(cli, "openai/my-model", Reply("ok", usage={"prompt_tokens": 500, "completion_tokens": 500}))
    write_config('[prices."openai/my-model"]\ninput = 100\noutput = 100\n')
    result = cli("usage", "--reprice")
    assert result.exit_code == 0
    assert "Repriced 0 requests" in result.stdout
    assert [r.cost_usd for r in only_session(cli.home).requests] == [pytest.approx(1000 / M, rel=1e-9)]


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
def test_invalid_prices_and_budget_config_is_one_clear_line(cli, write_config, config, message):
    write_config(config)
    result = cli.run("q")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert cli.server.requests == []


def test_reprice_prices_unpriced_rows_and_updates_session_totals(cli, write_config):
    for _ in range(2):
        run_json(cli, "openai/my-model", Reply("ok", usage={"prompt_tokens": 1000, "completion_tokens": 200}))
    run_json(cli, "openai/other-model", Reply("ok", usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert [r.cost_usd for r in saved_requests(cli.home)] == [None, None, None]

    write_config('[prices."openai/my-model"]\ninput = 1.5\noutput = 6\n')
    result = cli("usage", "--reprice")
    assert result.exit_code == 0, result.stderr
    assert "Repriced 2 requests; 1 still has no known price" in result.stdout
    expected = (1000 * 1.5 + 200 * 6) / M  # $0.0027 each
    rows = saved_requests(cli.home)
    assert [r.cost_usd for r in rows[:2]] == [pytest.approx(expected, rel=1e-9)] * 2
    assert rows[2].cost_usd is None
    totals = [s.usage for s in sessions(cli.home)]
    assert [(u.total_cost_usd, u.unpriced_requests) for u in totals[:2]] == [(pytest.approx(expected), 0)] * 2
    assert totals[2].unpriced_requests == 1

    again = cli("usage", "--reprice")
    assert "Repriced 0 requests; 1 still has no known price" in again.stdout


def test_reprice_on_an_empty_store(offline_cli):
    result = offline_cli("usage", "--reprice")
    assert result.exit_code == 0
    assert "nothing to reprice" in result.stdout


def test_reprice_uses_the_time_a_request_was_made_for_off_peak_rates(cli):
    """litellm's map gives DeepSeek's flash model off-peak rates (UTC hour windows on weekdays,
    all weekend) at half the standard ones; a request is priced at the rate of its own time."""
    run_json(cli, "openai/unpriced", Reply("ok", usage={"prompt_tokens": 1, "completion_tokens": 1}))  # stays unpriced
    for when in ("2026-11-23 08:00", "2026-11-28 08:00"):  # Monday 08:00, Saturday 08:00 UTC
        add_request(cli.home, when, model="deepseek/deepseek-flash", tokens=(100_000, 10_000), cost=None)
    assert "Repriced 2 requests" in cli("usage", "--reprice").stdout
    # one request a day: the report by day gives each request's cost
    report = json.loads(cli("usage", "--json", "--by", "day", "--model", "deepseek/deepseek-flash").stdout)
    assert [(g["group"], g["requests"]) for g in report["groups"]] == [("2026-11-23", 1), ("2026-11-28", 1)]
    peak, weekend = [g["cost_usd"] for g in report["groups"]]
    assert peak > 0 and weekend == pytest.approx(peak / 2, rel=1e-9)
