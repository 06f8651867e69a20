"""UTC timestamps: one text form in JSON, another in the database."""

from __future__ import annotations

from datetime import UTC, datetime

DB_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, as the seed's ``DateTime<Utc>`` serialises: ``2026-11-25T13:01:30.123456Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_db(value: datetime | None) -> str | None:
    """Naive UTC text that sorts in time order (SQLAlchemy's SQLite DateTime form)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime(DB_FORMAT)


def from_db(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, DB_FORMAT).replace(tzinfo=UTC)
