"""Parsing ``--since`` / ``--until`` / ``--older-than`` values: ``30d``, ``2h``, ``2026-11-01``.

A value that does not parse is a command-line usage error: one line, exit 2."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from appam_cli.errors import EXIT_USAGE, UserError

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise UserError(
            f"invalid duration {text!r}: use a number and a unit, e.g. 30d, 12h, 90m, 2w", exit_code=EXIT_USAGE
        )
    amount, unit = float(match.group(1)), match.group(2).lower()
    try:
        return timedelta(**{_UNITS[unit]: amount})
    except OverflowError:
        raise UserError(f"invalid duration {text!r}: too long", exit_code=EXIT_USAGE) from None


def parse_point(text: str, *, now: datetime | None = None) -> datetime:
    """A moment in UTC: a duration ago (``7d``), a date (``2026-11-01``, midnight UTC) or an ISO time."""
    now = now or datetime.now(UTC)
    if _DURATION.match(text):
        try:
            return now - parse_duration(text)
        except OverflowError:
            raise UserError(f"invalid time {text!r}: that is before year 1", exit_code=EXIT_USAGE) from None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"invalid time {text!r}: use a duration (7d, 2h) or a date (2026-11-01, 2026-11-01T12:00)",
            exit_code=EXIT_USAGE,
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise UserError(f"invalid time {text!r}: out of range", exit_code=EXIT_USAGE) from None
