"""The rule that ties a session's totals to its ledger rows (``requests``)."""

from __future__ import annotations

import sqlite3

from appam_cli.store.schema import REQUESTS

# One ledger row, parameters by column name (``rows.request_params``).
INSERT_REQUEST = REQUESTS.insert(REQUESTS.names(without=("id",)))

_RECOMPUTE_TOTALS = """
UPDATE sessions SET
  input_tokens = t.i, output_tokens = t.o, cache_creation_tokens = t.cc, cache_read_tokens = t.cr,
  reasoning_tokens = t.r, cost_usd = t.cost, request_count = t.n, unpriced_requests = t.unpriced,
  estimated_requests = t.est
FROM (SELECT COALESCE(SUM(input_tokens), 0) AS i, COALESCE(SUM(output_tokens), 0) AS o,
             COALESCE(SUM(cache_creation_tokens), 0) AS cc, COALESCE(SUM(cache_read_tokens), 0) AS cr,
             COALESCE(SUM(reasoning_tokens), 0) AS r, COALESCE(SUM(cost_usd), 0.0) AS cost, COUNT(*) AS n,
             COALESCE(SUM(cost_usd IS NULL), 0) AS unpriced, COALESCE(SUM(usage_estimated), 0) AS est
      FROM requests WHERE session_id = ?) AS t
WHERE sessions.id = ?
"""


def recompute_totals(conn: sqlite3.Connection, session_id: str) -> None:
    """Set the session row's totals to the sums of its ledger rows (call inside the write transaction)."""
    conn.execute(_RECOMPUTE_TOTALS, (session_id, session_id))


# A row this process opened as running, settled with how its request ended (store.running).
_SETTLED = REQUESTS.names(without=("id", "session_id", "agent_name", "imported", "owner_pid", "owner_host"))
SETTLE_REQUEST = (
    f"UPDATE requests SET {', '.join(f'{c} = :{c}' for c in _SETTLED if c != 'heartbeat_at')}, "
    "heartbeat_at = NULL WHERE id = :id"
)
