"""What both kinds of ``llm`` logs tables share: ids, times, token counts, ledger rows.

Token counts follow appam's one meaning (input includes cache reads and writes, output
includes reasoning). llm stores what each plugin reports, in ``input_tokens``,
``output_tokens`` and a ``token_details`` JSON:
- OpenAI-style (``prompt_tokens_details.cached_tokens``,
  ``completion_tokens_details.reasoning_tokens``): already subsets of input and output;
- Anthropic-style (``cache_read_input_tokens``, ``cache_creation_input_tokens``): not part of
  ``input_tokens``, so they are added to it;
- Gemini-style (``thoughtsTokenCount`` beside ``candidatesTokenCount``): thinking is not part
  of ``output_tokens``, so it is added to it; ``cachedContentTokenCount`` is part of the input.
Cost is unknown (None): llm records none, and pricing offline would need litellm.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from appam_cli.datamodel import RequestRecord, RequestUsage
from appam_cli.datamodel.times import from_iso

AGENT = "llm"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "appam:import:llm")


def session_id_for(llm_id: str) -> str:
    """A stable UUID for an llm conversation/thread id: importing again finds the same session."""
    return str(uuid.uuid5(_NAMESPACE, llm_id))


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return from_iso(text.strip())
    except ValueError:
        return None


def _flatten(value: Any, out: dict[str, int]) -> dict[str, int]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                _flatten(item, out)
            elif isinstance(item, int) and not isinstance(item, bool):
                out[key] = out.get(key, 0) + item
    elif isinstance(value, list):
        for item in value:
            _flatten(item, out)
    return out


def usage_from_llm(input_tokens: int | None, output_tokens: int | None, details: str | None) -> RequestUsage:
    try:
        flat = _flatten(json.loads(details), {}) if details else {}
    except ValueError:
        flat = {}
    cache_write = flat.get("cache_creation_input_tokens", 0)
    added_reads = flat.get("cache_read_input_tokens", 0)
    thoughts = flat.get("thoughtsTokenCount", 0)
    return RequestUsage(
        input_tokens=(input_tokens or 0) + added_reads + cache_write,
        output_tokens=(output_tokens or 0) + thoughts,
        cache_creation_tokens=cache_write,
        cache_read_tokens=flat.get("cached_tokens", 0) + added_reads + flat.get("cachedContentTokenCount", 0),
        reasoning_tokens=flat.get("reasoning_tokens", 0) + thoughts,
    )


def ledger_row(row: sqlite3.Row, started_at: datetime) -> RequestRecord:
    """One llm response / turn as a ledger row (marked imported, cost unknown)."""
    keys = row.keys()
    return RequestRecord(
        model=row["model"] or "unknown",
        usage=usage_from_llm(
            row["input_tokens"] if "input_tokens" in keys else None,
            row["output_tokens"] if "output_tokens" in keys else None,
            row["token_details"] if "token_details" in keys else None,
        ),
        cost_usd=None,
        started_at=started_at,
        duration_ms=row["duration_ms"] if "duration_ms" in keys else None,
        agent_name=AGENT,
        imported=True,
    )


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def tool_call(name: str, arguments: Any, call_id: str | None) -> dict[str, Any]:
    """A tool call in the OpenAI shape appam stores."""
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def attachment_note(kind: str | None, where: str | None) -> str:
    return f"[attachment: {' '.join(p for p in (kind, where) if p) or 'binary content'}]"
