"""``appam usage`` and ``appam models`` never import litellm or sqlmodel (a fresh process each).

Each command runs in a subprocess whose exit hook lists the heavy modules present in
``sys.modules``; litellm costs 3-4 s to import, sqlmodel/sqlalchemy about half a second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from provider_server import Reply

HEAVY = ("litellm", "sqlmodel", "sqlalchemy")
PROBE = (
    "import atexit, sys\n"
    "def report():\n"
    f"    heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "    sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['appam'] + sys.argv[1:]\n"
    "from appam_cli.cli.main import run\n"
    "run()\n"
)


def appam_subprocess(home, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    env = dict(os.environ, APPAM_HOME=str(home))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("HEAVY="))
    return proc, [m for m in line.removeprefix("HEAVY=").split(",") if m]


@pytest.fixture
def store_with_usage(cli):
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 10, "completion_tokens": 2}))
    assert cli.run("q", model="openai/gpt-4o-mini").exit_code == 0
    cli.server.enqueue(Reply("b", usage={"prompt_tokens": 10, "completion_tokens": 2}))
    assert cli.run("q", model="openai/unpriced-model").exit_code == 0
    (cli.home / "config.toml").write_text('[prices."openai/unpriced-model"]\ninput = 1\noutput = 2\n')
    return cli.home


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
    proc, heavy = appam_subprocess(store_with_usage, *args)
    assert proc.returncode == 0, proc.stderr
    assert heavy == [], f"appam {' '.join(args)} imported {heavy}"


def test_usage_on_an_empty_store_stays_light(appam_home):
    proc, heavy = appam_subprocess(appam_home, "usage")
    assert proc.returncode == 0 and "No usage recorded yet" in proc.stdout
    assert heavy == []


@pytest.mark.parametrize("args", [("models",), ("models", "claude"), ("models", "gpt-4o", "--json")])
def test_models_stays_light_and_needs_no_key(appam_home, args):
    proc, heavy = appam_subprocess(appam_home, *args)
    assert proc.returncode == 0, proc.stderr
    assert heavy == [], f"appam {' '.join(args)} imported {heavy}"


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
