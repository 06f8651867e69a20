"""``appam usage`` and ``appam models`` never import litellm or sqlmodel (a fresh process each).

Each command runs as a subprocess whose imports Python reports (``import_report``);
litellm costs 3-4 s to import, sqlmodel/sqlalchemy about half a second.
"""

from __future__ import annotations

import json

import pytest
from import_report import NOT_FOR_READING, assert_light, run_appam
from provider_server import Reply


@pytest.fixture
def store_with_usage(cli, write_config):
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 10, "completion_tokens": 2}))
    assert cli.run("q", model="openai/gpt-4o-mini").exit_code == 0
    cli.server.enqueue(Reply("b", usage={"prompt_tokens": 10, "completion_tokens": 2}))
    assert cli.run("q", model="openai/unpriced-model").exit_code == 0
    write_config('[prices."openai/unpriced-model"]\ninput = 1\noutput = 2\n')
    return cli.home


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args",
    [
        ("usage",),
        ("usage", "--by", "model", "--json"),
        ("usage", "--by", "session", "--csv"),
        ("usage", "--reprice"),
    ],
)
def test_usage_stays_light(store_with_usage, args):
    run = run_appam(*args)
    assert run.returncode == 0, run.stderr
    assert_light(run, NOT_FOR_READING)


@pytest.mark.e2e
def test_usage_on_an_empty_store_stays_light(appam_home):
    run = run_appam("usage")
    assert run.returncode == 0 and "No usage recorded yet" in run.stdout
    assert_light(run, NOT_FOR_READING)


@pytest.mark.e2e
@pytest.mark.parametrize("args", [("models",), ("models", "claude"), ("models", "gpt-4o", "--json")])
def test_models_stays_light_and_needs_no_key(appam_home, args):
    run = run_appam(*args)
    assert run.returncode == 0, run.stderr
    assert_light(run, NOT_FOR_READING)


def test_models_lists_prices_and_context_windows(offline_cli):
    result = offline_cli("models", "gpt-4o-mini", "--json")
    assert result.exit_code == 0
    entries = {m["model"]: m for m in json.loads(result.stdout)}
    mini = entries["gpt-4o-mini"]
    assert set(mini) == {
        "model", "provider", "mode", "context_window", "max_output_tokens", "input_per_million",
        "output_per_million", "cache_read_per_million", "cache_write_per_million",
    }
    # gpt-4o-mini: 128k context; $0.15 / $0.60 / $0.075 (cached) per million tokens
    assert (mini["provider"], mini["context_window"]) == ("openai", 128000)
    assert (mini["input_per_million"], mini["output_per_million"], mini["cache_read_per_million"]) == (
        0.15, 0.60, 0.075
    )
    assert json.loads(offline_cli("models", "gpt-4o-mini", "--json").stdout)[0]["model"] == "gpt-4o-mini"

    table = offline_cli("models", "claude-sonnet-4-5", "--provider", "anthropic")
    assert table.exit_code == 0
    line = next(x for x in table.stdout.splitlines() if x.startswith("claude-sonnet-4-5 "))
    for cell in ("anthropic", "200k", "$3.00", "$15.00", "$0.30", "$3.75"):
        assert cell in line
    assert "per million tokens" in table.stdout

    none = offline_cli("models", "no-such-model-anywhere")
    assert none.exit_code == 0 and "No chat models matching" in none.stdout
