"""A server that reports what it charged and which model answered (a LiteLLM proxy: ``usage.cost``
in the final stream chunk, ``x-litellm-response-cost`` and ``x-litellm-model-name`` headers): the
ledger records that cost, marked as reported, and the real model beside the requested name."""

from __future__ import annotations

import csv
import io
import json

import pytest
from provider_server import Reply
from sessions_store import only_session, saved_requests

PROXY_MODEL = "openai/team-fast"  # a proxy's own name: no price map knows it
REAL = "gpt-4o-2024-08-06"


def usage(cost=None, prompt=5, completion=3) -> dict:
    out = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if cost is not None:
        out["cost"] = cost
    return out


def run(cli, *extra: str):
    return cli.run("q", *extra, model=PROXY_MODEL)


def test_a_streamed_answer_records_the_cost_the_server_reported(cli):
    cli.server.enqueue(Reply("hi", usage=usage(0.0042), headers={"x-litellm-model-name": REAL}))
    result = run(cli)
    assert result.exit_code == 0, result.stderr
    [request] = saved_requests(cli.home)
    assert request.cost_usd == pytest.approx(0.0042)
    assert request.cost_reported is True
    assert (request.model, request.served_model) == (PROXY_MODEL, REAL)
    assert only_session(cli.home).usage.total_cost_usd == pytest.approx(0.0042)
    assert "$0.0042" in result.stderr  # the footer, not "cost unknown"


def test_without_a_report_the_cost_stays_unknown_and_unmarked(cli):
    cli.server.enqueue(Reply("hi", usage=usage()))
    assert run(cli).exit_code == 0
    [request] = saved_requests(cli.home)
    assert (request.cost_usd, request.cost_reported, request.served_model) == (None, False, None)


def test_a_streams_cost_header_is_not_its_cost(cli):
    """Headers go out before the answer is generated: a stream's cost header cannot be its final cost."""
    cli.server.enqueue(Reply("hi", usage=usage(), headers={"x-litellm-response-cost": "0.9"}))
    assert run(cli).exit_code == 0
    [request] = saved_requests(cli.home)
    assert request.cost_usd is None and request.cost_reported is False


def test_a_whole_answer_takes_the_cost_header(cli):
    cli.server.enqueue(Reply("hi", usage=usage(), headers={"x-litellm-response-cost": "0.0125",
                                                           "x-litellm-model-name": REAL}))
    assert run(cli, "--no-stream").exit_code == 0
    [request] = saved_requests(cli.home)
    assert request.cost_usd == pytest.approx(0.0125) and request.cost_reported
    assert request.served_model == REAL


@pytest.mark.parametrize("bad", ["nan", "-1", "abc", "inf", ""])
def test_a_reported_cost_that_is_not_an_amount_is_ignored(cli, bad):
    cli.server.enqueue(Reply("hi", usage=usage(), headers={"x-litellm-response-cost": bad}))
    assert run(cli, "--no-stream").exit_code == 0
    [request] = saved_requests(cli.home)
    assert request.cost_usd is None and not request.cost_reported


def test_a_reported_cost_wins_over_a_configured_price(cli, write_config):
    write_config(f'[prices."{PROXY_MODEL}"]\ninput = 1000000\noutput = 1000000\n')
    cli.server.enqueue(Reply("hi", usage=usage(0.5)), Reply("hi", usage=usage()))
    assert run(cli).exit_code == 0
    assert run(cli).exit_code == 0
    reported, priced = sorted(saved_requests(cli.home), key=lambda r: r.cost_reported, reverse=True)
    assert (reported.cost_usd, reported.cost_reported) == (0.5, True)
    assert (priced.cost_usd, priced.cost_reported) == (8.0, False)


def test_a_cut_stream_has_no_reported_cost(cli):
    cli.server.enqueue(Reply(["a ", "b ", "c"], usage=usage(0.3), drop_after=1))
    assert run(cli).exit_code == 4
    [request] = saved_requests(cli.home)
    assert not request.cost_reported and request.cost_usd != 0.3


def test_usage_groups_by_the_requested_or_the_served_model(cli):
    cli.server.enqueue(
        Reply("a", usage=usage(0.01), headers={"x-litellm-model-name": REAL}),
        Reply("b", usage=usage(0.02), headers={"x-litellm-model-name": "claude-sonnet-4-5"}),
        Reply("c", usage=usage()),
    )
    for _ in range(3):
        assert run(cli).exit_code == 0
    by_model = json.loads(cli("usage", "--by", "model", "--json").stdout)
    assert [(g["group"], g["requests"]) for g in by_model["groups"]] == [(PROXY_MODEL, 3)]
    served = json.loads(cli("usage", "--by", "served-model", "--json").stdout)
    assert {g["group"]: (g["requests"], g["cost_usd"]) for g in served["groups"]} == {
        "claude-sonnet-4-5": (1, 0.02), REAL: (1, 0.01), PROXY_MODEL: (1, 0.0),
    }
    table = cli("usage", "--by", "served-model", "--csv").stdout
    assert {row["group"] for row in csv.DictReader(io.StringIO(table))} == {"claude-sonnet-4-5", REAL, PROXY_MODEL}


def test_usage_flag_says_the_cost_was_reported_and_by_which_model(cli):
    cli.server.enqueue(Reply("hi", usage=usage(0.0042), headers={"x-litellm-model-name": REAL}))
    result = run(cli, "--usage")
    assert result.exit_code == 0
    assert f"{PROXY_MODEL} (served by {REAL})" in result.stderr
    assert "(reported by the server)" in result.stderr


def test_export_and_import_keep_what_the_server_reported(cli, tmp_path):
    cli.server.enqueue(Reply("hi", usage=usage(0.0042), headers={"x-litellm-model-name": REAL}))
    assert run(cli).exit_code == 0
    exported = cli("sessions", "export", "last").stdout
    [request] = json.loads(exported)["requests"]
    assert request["served_model"] == REAL and request["cost_reported"] is True
    path = tmp_path / "s.json"
    path.write_text(exported)
    assert cli("sessions", "delete", "last", "--yes").exit_code == 0
    assert cli("sessions", "import", str(path)).exit_code == 0
    assert cli("sessions", "export", "last").stdout == exported


def test_the_litellm_proxy_route_reports_the_same(cli, monkeypatch):
    monkeypatch.setenv("LITELLM_PROXY_API_KEY", "sk-proxy")
    cli.server.enqueue(Reply("hi", usage=usage(0.007), headers={"x-litellm-model-name": REAL}))
    result = cli.run("q", model="litellm_proxy/team-fast")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].api_key == "sk-proxy"
    [request] = saved_requests(cli.home)
    assert (request.cost_usd, request.cost_reported, request.served_model) == (0.007, True, REAL)


def test_a_served_model_name_is_kept_to_printable_text(cli):
    cli.server.enqueue(Reply("hi", usage=usage(0.001), headers={"x-litellm-model-name": "gpt-4o\x1b[2J\x07x" + "y" * 300}))
    assert run(cli).exit_code == 0
    [request] = saved_requests(cli.home)
    assert request.served_model == ("gpt-4o[2Jx" + "y" * 300)[:200]
