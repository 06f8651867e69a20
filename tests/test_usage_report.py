"""``appam usage``: grouping, UTC boundaries, filters, table / CSV / JSON, empty store.

Most tests put ledger rows in the store (as runs would leave them) at chosen UTC times,
so day, week and month boundaries can be pinned exactly.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from provider_server import Reply
from sessions_store import add_request, opened, saved_requests, sessions

CSV_HEADER = [
    "group", "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens",
    "reasoning_tokens", "cost_usd", "unpriced_requests", "estimated_requests",
]
TOTAL_KEYS = set(CSV_HEADER) - {"group"}


@pytest.fixture
def ledger(cli):
    """Four requests, and no session left (the ledger outlives them): the report's only input."""
    home = cli.home
    # 2026-03-01 is a Sunday; 2026-03-02 a Monday (a new ISO week).
    add_request(home, "2026-02-28 12:00", model="gpt-4o-mini", cost=0.10, tokens=(1000, 100), cache_read=500)
    add_request(home, "2026-03-01 23:59:59.999999", model="claude-sonnet-4-5", agent="coder", cost=0.50,
                tokens=(2000, 200), cache_write=300, reasoning=50)
    add_request(home, "2026-03-02 00:00", model="claude-sonnet-4-5", agent="coder", cost=0.25, tokens=(10, 20))
    add_request(home, "2026-03-02 08:30", model="openai/local", cost=None, tokens=(7, 3), estimated=True)
    return cli


def report(cli, *args):
    result = cli("usage", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def groups(data):
    return {g["group"]: g for g in data["groups"]}


def test_by_day_splits_at_midnight_utc(ledger):
    data = report(ledger, "--by", "day")
    assert data["timezone"] == "UTC"
    assert [g["group"] for g in data["groups"]] == ["2026-02-28", "2026-03-01", "2026-03-02"]
    day = groups(data)["2026-03-02"]
    assert (day["requests"], day["input_tokens"], day["output_tokens"]) == (2, 17, 23)
    assert day["cost_usd"] == pytest.approx(0.25)
    assert (day["unpriced_requests"], day["estimated_requests"]) == (1, 1)


def test_by_week_starts_on_monday(ledger):
    data = report(ledger, "--by", "week")
    assert [(g["group"], g["requests"]) for g in data["groups"]] == [("2026-02-23", 2), ("2026-03-02", 2)]


def test_by_month(ledger):
    data = report(ledger, "--by", "month")
    assert [(g["group"], g["requests"]) for g in data["groups"]] == [("2026-02", 1), ("2026-03", 3)]


def test_by_model_largest_cost_first_and_unpriced_apart(ledger):
    data = report(ledger, "--by", "model")
    assert [g["group"] for g in data["groups"]] == ["claude-sonnet-4-5", "gpt-4o-mini", "openai/local"]
    claude = data["groups"][0]
    assert (claude["requests"], claude["cache_creation_tokens"], claude["reasoning_tokens"]) == (2, 300, 50)
    assert claude["cost_usd"] == pytest.approx(0.75)
    local = data["groups"][2]
    assert (local["cost_usd"], local["unpriced_requests"]) == (0, 1)  # unknown: counted apart, not as $0 spent


def test_by_agent(ledger):
    data = report(ledger, "--by", "agent")
    assert {g["group"]: g["requests"] for g in data["groups"]} == {"coder": 2, "default": 2}


def test_totals_are_the_sums(ledger):
    data = report(ledger, "--by", "day")
    total = data["total"]
    assert set(total) == TOTAL_KEYS
    for key in TOTAL_KEYS:
        assert total[key] == pytest.approx(sum(g[key] for g in data["groups"]))
    assert (total["requests"], total["input_tokens"], total["cache_read_tokens"]) == (4, 3017, 500)
    assert total["cost_usd"] == pytest.approx(0.85)
    assert total["unpriced_requests"] == 1
    assert data["first_request_at"] == "2026-02-28T12:00:00.000000Z"
    assert data["last_request_at"] == "2026-03-02T08:30:00.000000Z"


def test_since_and_until_are_utc_with_until_exclusive(ledger):
    since = report(ledger, "--since", "2026-03-02")
    assert [g["group"] for g in since["groups"]] == ["2026-03-02"]
    assert since["since"] == "2026-03-02T00:00:00.000000Z"
    until = report(ledger, "--since", "2026-03-01", "--until", "2026-03-02")
    assert [(g["group"], g["requests"]) for g in until["groups"]] == [("2026-03-01", 1)]
    # an offset is converted to UTC: 01:00+01:00 is midnight UTC
    offset = report(ledger, "--since", "2026-03-02T01:00:00+01:00")
    assert offset["total"]["requests"] == 2


def test_model_and_agent_filters(ledger):
    assert report(ledger, "--model", "CLAUDE")["total"]["requests"] == 2  # a part of the name, any case
    assert report(ledger, "--agent", "coder")["total"]["requests"] == 2
    assert report(ledger, "--agent", "cod")["total"]["requests"] == 0  # agents match exactly


def test_csv_shape(ledger):
    result = ledger("usage", "--csv", "--by", "model")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 4  # header + one row per model, no totals row
    by_model = {r[0]: dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    assert by_model["claude-sonnet-4-5"]["cost_usd"] == "0.75"
    assert by_model["claude-sonnet-4-5"]["input_tokens"] == "2010"
    assert by_model["openai/local"]["unpriced_requests"] == "1"


def test_table_states_utc_has_totals_and_a_cost_chart(ledger):
    result = ledger("usage", "--by", "day")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "UTC" in out
    for header in ("requests", "input", "output", "cache read", "cache write", "reasoning", "cost", "unpriced"):
        assert header in out
    total_line = next(line for line in out.splitlines() if line.startswith("total"))
    assert "3,017" in total_line and "$0.85" in total_line
    assert "Cost per day" in out
    chart = out[out.index("Cost per day"):]
    assert "2026-03-01" in chart and "█" in chart
    # the estimated request is flagged, and the unpriced one explained
    assert "~17" in out and "estimated" in out
    assert "no known price" in out


def test_session_grouping_names_deleted_sessions(cli):
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 5, "completion_tokens": 1}))
    cli.run("first question", model="openai/gpt-4o-mini")
    cli.server.enqueue(Reply("b", usage={"prompt_tokens": 7, "completion_tokens": 1}))
    cli.run("second question", model="openai/gpt-4o-mini")
    first = next(s.session_id for s in sessions(cli.home) if s.title == "first question")
    with opened(cli.home) as history:
        assert history.delete_session(first)
    data = report(cli, "--by", "session")
    labels = {g["group"]: g["label"] for g in data["groups"]}
    assert labels[first] == "(deleted)"  # its ledger rows outlive it
    assert "second question" in labels.values()
    assert data["total"]["requests"] == 2


def test_real_runs_are_reported(cli):
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 1000, "completion_tokens": 100,
                                         "prompt_tokens_details": {"cached_tokens": 400}}))
    cli.run("q", model="openai/gpt-4o-mini")
    data = report(cli, "--by", "model")
    g = data["groups"][0]
    assert (g["group"], g["input_tokens"], g["cache_read_tokens"], g["output_tokens"]) == (
        "openai/gpt-4o-mini", 1000, 400, 100
    )
    # gpt-4o-mini: $0.15 / M input, $0.075 / M cached input, $0.60 / M output
    assert g["cost_usd"] == pytest.approx((600 * 0.15 + 400 * 0.075 + 100 * 0.60) / 1e6)


@pytest.mark.parametrize("mode", [(), ("--no-stream",)], ids=["stream", "no-stream"])
def test_estimated_usage_is_flagged_in_footer_details_and_report(cli, mode):
    cli.server.enqueue(Reply("no usage sent by this provider", usage=None))
    result = cli.run("q", "--usage", *mode)
    assert result.exit_code == 0, result.stderr
    assert "(estimated)" in result.stderr  # footer
    assert "estimated usage" in result.stderr  # --usage breakdown
    (row,) = saved_requests(cli.home)
    assert row.usage.estimated and row.usage.input_tokens > 0 and row.usage.output_tokens > 0  # never a silent 0
    data = report(cli)
    assert data["total"]["estimated_requests"] == 1
    table = cli("usage").stdout
    assert "~" in table and "estimated" in table


def test_usage_flag_prints_the_breakdown(cli):
    cli.server.enqueue(Reply("ok", usage={"prompt_tokens": 2000, "completion_tokens": 300,
                                          "prompt_tokens_details": {"cached_tokens": 1536},
                                          "completion_tokens_details": {"reasoning_tokens": 256}}))
    result = cli.run("q", "--usage", model="openai/gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    assert "uncached 464" in result.stderr and "cache read 1,536" in result.stderr
    assert "reasoning 256" in result.stderr and "text 44" in result.stderr
    assert "openai/gpt-4o-mini · completed · 2,000 in / 300 out · $0.0004" in result.stderr


def test_empty_store_says_so_and_creates_nothing(offline_cli):
    result = offline_cli("usage")
    assert result.exit_code == 0
    assert "No usage recorded yet" in result.stdout
    data = json.loads(offline_cli("usage", "--json").stdout)
    assert data["groups"] == [] and data["total"]["requests"] == 0
    assert offline_cli("usage", "--csv").stdout.splitlines() == [",".join(CSV_HEADER)]
    assert not (offline_cli.home / "sessions.db").exists()


def test_no_match_is_said_plainly(ledger):
    result = ledger("usage", "--since", "2030-01-01")
    assert result.exit_code == 0
    assert "No requests match" in result.stdout and "2030-01-01" in result.stdout


@pytest.mark.parametrize(
    "args, message, code",
    [(("--by", "year"), "invalid --by 'year'", 2), (("--by", "hour"), "invalid --by 'hour'", 2),
     (("--by", "bogus"), "use one of day, week", 2), (("--since", "soon"), "invalid time 'soon'", 2),
     (("--until", "3x"), "invalid time '3x'", 2),
     (("--json", "--csv"), "cannot be used together", 2)],  # a bad option value, conflicting flags: usage
)
def test_bad_options_are_one_line(offline_cli, args, message, code):
    result = offline_cli("usage", *args)
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
