"""Checking one imported session (a decoded JSON object) and turning it into a ``Session``.

Every problem is a ``RecordError`` naming the field by its path (``messages[2].role``), so
the importer can say exactly what is wrong and where before anything is written.
Required: ``session_id``, ``model``, ``messages`` (and ``role`` in each message, ``model`` in
each request). Everything else has the default a saved session would have; unknown keys
(``message_count``, ``updated_at`` of ``sessions list --json``) are ignored.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal, overload

from appam_cli.datamodel import AggregatedUsage, ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.datamodel.message import ROLES
from appam_cli.datamodel.status import MessageStatus, RequestStatus, SessionStatus
from appam_cli.datamodel.times import from_iso
from appam_cli.textbytes import is_utf8

MESSAGE_STATUSES = tuple(MessageStatus)
REQUEST_STATUSES = tuple(RequestStatus)
STATUSES = tuple(SessionStatus)
USAGE_INTS = (
    "total_input_tokens",
    "total_output_tokens",
    "total_cache_creation_tokens",
    "total_cache_read_tokens",
    "total_reasoning_tokens",
    "request_count",
    "unpriced_requests",
    "estimated_requests",
)
REQUEST_INTS = ("input_tokens", "output_tokens", "cache_creation_tokens", "cache_read_tokens", "reasoning_tokens")
INT64_MAX = 2**63 - 1  # what SQLite stores; a larger number would fail only when written
_MISSING = object()
_TYPE_NAMES: dict[type, str] = {str: "a string", list: "a list", dict: "an object"}


class RecordError(ValueError):
    """One field of one record is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return repr(value).lower() if isinstance(value, bool) else repr(value)
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Object:
    """Typed reads from one JSON object, with the path used in error messages."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise RecordError(path, f"expected an object, got {_type_name(data)}")
        self.data = data
        self.path = path

    def field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _raw(self, name: str, required: bool) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING and required:
            raise RecordError(self.field(name), "missing (this field is required)")
        return None if value is _MISSING else value

    def text(
        self, name: str, *, required: bool = False, choices: tuple[str, ...] = (), default: str | None = None
    ) -> Any:
        value = self._raw(name, required)
        if value is None:
            if required:
                raise RecordError(self.field(name), "expected a string, got null")
            return default
        if not isinstance(value, str):
            raise RecordError(self.field(name), f"expected a string, got {_type_name(value)}")
        if not is_utf8(value):  # a "\udcff" escape: valid JSON, but no text SQLite can store
            shown = value[:40].encode("ascii", "backslashreplace").decode()
            raise RecordError(self.field(name), f"holds a lone surrogate escape, not text: {shown}")
        if choices and value not in choices:
            raise RecordError(self.field(name), f"unknown {name} {value!r} (expected one of {', '.join(choices)})")
        return value

    @overload
    def integer(self, name: str) -> int: ...

    @overload
    def integer(self, name: str, *, default: None) -> int | None: ...

    def integer(self, name: str, *, default: int | None = 0) -> int | None:
        value = self._raw(name, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(self.field(name), f"expected a whole number, got {_type_name(value)}")
        if value < 0:
            raise RecordError(self.field(name), f"must not be negative (got {value})")
        if value > INT64_MAX:
            raise RecordError(self.field(name), f"too large for 64 bits ({len(str(value))} digits)")
        return value

    def number(self, name: str) -> float | None:
        value = self._raw(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecordError(self.field(name), f"expected a number, got {_type_name(value)}")
        if isinstance(value, int) and abs(value) > INT64_MAX:  # stored as REAL: never an int past 64 bits
            if value.bit_length() > 1023:
                raise RecordError(self.field(name), f"too large ({len(str(value))} digits)")
            value = float(value)
        if not math.isfinite(value):
            raise RecordError(self.field(name), f"expected a number, got {_type_name(value)}")
        if value < 0:
            raise RecordError(self.field(name), f"must not be negative (got {value})")
        return value

    def boolean(self, name: str) -> bool:
        value = self._raw(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise RecordError(self.field(name), f"expected true or false, got {_type_name(value)}")
        return value

    def time(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return from_iso(value)
        except ValueError:
            raise RecordError(self.field(name), f"not an ISO 8601 time: {value!r}") from None

    @overload
    def items(self, name: str, *, required: Literal[True]) -> list[Any]: ...

    @overload
    def items(self, name: str, *, required: bool = False) -> list[Any] | None: ...

    def items(self, name: str, *, required: bool = False) -> list[Any] | None:
        value = self._raw(name, required)
        if value is None:
            if required:
                raise RecordError(self.field(name), "expected a list, got null")
            return None
        if not isinstance(value, list):
            raise RecordError(self.field(name), f"expected a list, got {_type_name(value)}")
        return value


def _tool_calls(obj: _Object) -> list[dict[str, Any]] | None:
    calls = obj.items("tool_calls")
    if not calls:
        return calls
    for i, call in enumerate(calls):
        c = _Object(call, f"{obj.field('tool_calls')}[{i}]")
        fn = _Object(c.data.get("function"), c.field("function"))
        fn.text("name", required=True)
        fn.text("arguments")
        c.text("id")
    return calls


def _thinking_blocks(obj: _Object) -> list[dict[str, Any]] | None:
    blocks = obj.items("thinking_blocks")
    for i, block in enumerate(blocks or []):
        _Object(block, f"{obj.field('thinking_blocks')}[{i}]").text("type", required=True)
    return blocks or None


def _message(data: Any, path: str) -> ChatMessage:
    """The message; ``timestamp`` None when the record has none (filled in by the caller)."""
    m = _Object(data, path)
    return ChatMessage(
        role=m.text("role", required=True, choices=ROLES),
        content=m.text("content"),
        reasoning=m.text("reasoning"),
        tool_calls=_tool_calls(m),
        tool_call_id=m.text("tool_call_id"),
        name=m.text("name"),
        timestamp=m.time("timestamp"),  # type: ignore[arg-type]
        model=m.text("model"),
        status=m.text("status", choices=MESSAGE_STATUSES, default=MessageStatus.COMPLETED),
        thinking_blocks=_thinking_blocks(m),
    )


def _request(data: Any, path: str, session: Session, started_at: datetime) -> RequestRecord:
    r = _Object(data, path)
    tokens = {name: r.integer(name) for name in REQUEST_INTS}
    return RequestRecord(
        model=r.text("model", required=True),
        usage=RequestUsage(**tokens, estimated=r.boolean("usage_estimated")),
        cost_usd=r.number("cost_usd"),
        started_at=r.time("started_at") or started_at,
        duration_ms=r.integer("duration_ms", default=None),
        ttft_ms=r.integer("ttft_ms", default=None),
        status=r.text("status", choices=REQUEST_STATUSES, default="completed"),
        agent_name=r.text("agent_name", default=session.agent_name),
        imported=r.boolean("imported"),
    )


def _usage(data: Any) -> tuple[AggregatedUsage, bool] | None:
    """The usage totals, and whether a cost was given at all."""
    if data is None:
        return None
    u = _Object(data, "usage")
    usage = AggregatedUsage(**{name: u.integer(name) for name in USAGE_INTS})
    cost = u.number("total_cost_usd")
    usage.total_cost_usd = cost or 0.0
    return usage, cost is not None


def _api_base(s: _Object) -> str | None:
    """The file's ``api_base``: an http(s) URL, kept without credentials, never used unconfirmed."""
    value = s.text("api_base")
    if not value:
        return None
    from urllib.parse import urlsplit

    from appam_cli.datamodel.api_base import without_credentials

    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise RecordError(s.field("api_base"), f"{value[:80]!r} is not an http(s) URL")
    return without_credentials(value)


def session_from_record(data: Any, *, now: datetime) -> Session:
    """A validated ``Session`` (with ``requests``) from one decoded JSON object; ``RecordError`` if not."""
    s = _Object(data, "")
    session_id = s.text("session_id", required=True).strip()
    if not session_id:
        raise RecordError("session_id", "must not be empty")
    s.text("model", required=True)
    raw_messages = s.items("messages", required=True)
    started_at = s.time("started_at")
    start = started_at or now
    session = Session(
        session_id=session_id,
        agent_name=s.text("agent_name", default="default"),
        model=s.data["model"],
        started_at=start,
        ended_at=s.time("ended_at"),
        title=s.text("title"),
        status=s.text("status", choices=STATUSES, default="completed"),
        parent_id=s.text("parent_id"),
        imported_api_base=_api_base(s),
    )
    session.messages = [_message(m, f"messages[{i}]") for i, m in enumerate(raw_messages)]
    stamps = [m.timestamp for m in session.messages if m.timestamp is not None]
    if started_at is None and stamps:  # hand-written: the first message tells when it began
        session.started_at = start = min(stamps)
    previous = start
    for message in session.messages:  # a message without a time came right after the one before
        message.timestamp = previous = message.timestamp or previous
    usage = _usage(s.data.get("usage"))
    raw_requests = s.items("requests")
    if raw_requests is not None:
        session.requests = [_request(r, f"requests[{i}]", session, start) for i, r in enumerate(raw_requests)]
    elif usage is not None:
        session.requests = synthesized_request(session, start, *usage)
    return session


def synthesized_request(
    session: Session, started_at: datetime, usage: AggregatedUsage, cost_given: bool
) -> list[RequestRecord]:
    """One ledger row, dated ``started_at``, carrying the totals of a session that came without ``requests``."""
    counted = usage.total_tokens() or usage.request_count or usage.total_cost_usd
    if not counted:
        return []
    unpriced = not cost_given or (usage.request_count and usage.unpriced_requests >= usage.request_count)
    return [
        RequestRecord(
            model=session.model,
            usage=RequestUsage(
                input_tokens=usage.total_input_tokens,
                output_tokens=usage.total_output_tokens,
                cache_creation_tokens=usage.total_cache_creation_tokens,
                cache_read_tokens=usage.total_cache_read_tokens,
                reasoning_tokens=usage.total_reasoning_tokens,
                estimated=usage.estimated_requests > 0,
            ),
            cost_usd=None if unpriced else usage.total_cost_usd,
            started_at=started_at,
            agent_name=session.agent_name,
            imported=True,
        )
    ]
