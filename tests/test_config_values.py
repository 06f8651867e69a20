"""Every config and environment value is read strictly: a wrong one is one line, exit 1, before anything runs.

A value that would mean something else (``max_sessions = true`` read as 1, ``1.9`` as 1, ``nan``
or ``inf`` as a timeout) is refused, so a destructive setting never acts on it.
"""

from __future__ import annotations

import pytest

from appam_cli.datamodel import ChatMessage, Session
from appam_cli.store import SessionHistory


def _sessions(home, count: int) -> None:
    history = SessionHistory(db_path=home / "sessions.db")
    for n in range(count):
        history.save_session(Session(model="m", messages=[ChatMessage(role="user", content=f"q{n}")], status="completed"))
    history.close()


BAD_FILE_VALUES = [
    ("[history]\nmax_sessions = true\n", "history.max_sessions"),
    ("[history]\nmax_sessions = 1.9\n", "history.max_sessions"),
    ("[history]\nmax_sessions = -1\n", "history.max_sessions"),
    ('[history]\nmax_sessions = "3"\n', "history.max_sessions"),
    ("[history]\nauto_save = 1\n", "history.auto_save"),
    ("timeout = nan\n", "timeout"),
    ("timeout = inf\n", "timeout"),
    ("timeout = 0\n", "timeout"),
    ("timeout = true\n", "timeout"),
    ("retries = 2.5\n", "retries"),
    ("retries = -1\n", "retries"),
    ("retry_max_wait = nan\n", "retry_max_wait"),
    ("[budget]\ndaily_usd = nan\n", "budget.daily_usd"),
    ("[budget]\nmonthly_usd = inf\n", "budget.monthly_usd"),
    ("[budget]\ndaily_usd = -1\n", "budget.daily_usd"),
    ('database_url = 5\n', "database_url"),
]


@pytest.mark.parametrize("text, key", BAD_FILE_VALUES)
def test_a_wrong_config_value_is_one_line_and_nothing_runs(offline_cli, text, key):
    offline_cli.home.mkdir(parents=True)
    _sessions(offline_cli.home, 3)
    (offline_cli.home / "config.toml").write_text(text)
    result = offline_cli("run", "hi", "-m", "openai/x", "--api-base", "http://127.0.0.1:9")
    assert result.exit_code == 1, (text, result.stderr)
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert key in line and "config.toml" in line, line
    history = SessionHistory(db_path=offline_cli.home / "sessions.db")
    assert history.session_count() == 3  # nothing was pruned, nothing was added


@pytest.mark.parametrize(
    "name, value",
    [
        ("APPAM_MAX_SESSIONS", "true"),
        ("APPAM_MAX_SESSIONS", "1.9"),
        ("APPAM_TIMEOUT", "nan"),
        ("APPAM_TIMEOUT", "1e999"),
        ("APPAM_RETRIES", "2.5"),
        ("APPAM_RETRY_MAX_WAIT", "inf"),
        ("APPAM_BUDGET_DAILY_USD", "nan"),
        ("APPAM_AUTO_SAVE", "maybe"),
    ],
)
def test_a_wrong_environment_value_is_one_line(offline_cli, monkeypatch, name, value):
    offline_cli.home.mkdir(parents=True)
    _sessions(offline_cli.home, 3)
    monkeypatch.setenv(name, value)
    result = offline_cli("sessions", "list")
    assert result.exit_code == 1, (name, value, result.stdout)
    assert name in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_max_sessions_prunes_only_with_an_explicit_whole_number(offline_cli):
    offline_cli.home.mkdir(parents=True)
    _sessions(offline_cli.home, 4)
    (offline_cli.home / "config.toml").write_text("[history]\nmax_sessions = 2.0\n")
    assert offline_cli("sessions", "list").exit_code == 1
    assert SessionHistory(db_path=offline_cli.home / "sessions.db").session_count() == 4


def test_config_that_is_not_utf8_is_one_line(offline_cli):
    offline_cli.home.mkdir(parents=True)
    (offline_cli.home / "config.toml").write_bytes(b'model = "caf\xe9"\n')
    result = offline_cli("sessions", "list")
    assert result.exit_code == 1
    assert "config.toml" in result.stderr and "UTF-8" in result.stderr and "Traceback" not in result.stderr


def test_good_values_still_work(offline_cli):
    offline_cli.home.mkdir(parents=True)
    (offline_cli.home / "config.toml").write_text(
        "timeout = 30\nretries = 0\nretry_max_wait = 1.5\n[history]\nmax_sessions = 0\n[budget]\ndaily_usd = 2\n"
    )
    result = offline_cli("sessions", "list")
    assert result.exit_code == 0, result.stderr
