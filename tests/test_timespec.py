from datetime import UTC, datetime, timedelta

import pytest

from appam_cli.cli.timespec import parse_duration, parse_point
from appam_cli.errors import UserError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [("30d", timedelta(days=30)), ("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)), ("1w", timedelta(weeks=1)), ("45s", timedelta(seconds=45))],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_points():
    assert parse_point("7d", now=NOW) == NOW - timedelta(days=7)
    assert parse_point("2026-11-01", now=NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_point("2026-11-01T12:30:00+01:00", now=NOW) == datetime(2026, 11, 1, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["yesterday", "7x", "", "-3d", "99999999999w", "999999999999d", "0001-01-01T00:00+05:00"]
)
def test_bad_values_are_user_errors(bad):
    with pytest.raises(UserError):
        parse_point(bad, now=NOW)
