"""Usage reports and budgets from the ledger (``requests``), by SQL aggregation alone.

No message is ever loaded: every figure is a SUM / COUNT over ledger rows, which
outlive their sessions. Times in the ledger are naive-UTC text
(``%Y-%m-%d %H:%M:%S.%f``), so a UTC day is ``substr(started_at, 1, 10)`` and
a range is a text comparison served by ``ix_requests_started_at``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from appam_cli.datamodel.times import from_db
from appam_cli.datamodel.usage import AggregatedUsage
from appam_cli.datamodel.usage_report import ReportFilter, ReportRow, UsageReport
from appam_cli.store import db, queries

# ``model``: the name a request asked for; ``served-model``: the model the server says answered it
# (a LiteLLM proxy's real model behind its own name), or the asked-for name when it said none.
BY = ("day", "week", "month", "model", "served-model", "agent", "session")
TIME_GROUPS = ("day", "week", "month")
# Sums of the ledger columns (inner) and of those sums (outer, for groups made of groups).
_SUMS = (
    "COUNT(*) AS n, SUM(input_tokens) AS i, SUM(output_tokens) AS o, SUM(cache_read_tokens) AS cr, "
    "SUM(cache_creation_tokens) AS cc, SUM(reasoning_tokens) AS r, TOTAL(cost_usd) AS cost, "
    "SUM(cost_usd IS NULL) AS unpriced, SUM(usage_estimated) AS est"
)
_RESUMS = (
    "SUM(n) AS n, SUM(i) AS i, SUM(o) AS o, SUM(cr) AS cr, SUM(cc) AS cc, SUM(r) AS r, TOTAL(cost) AS cost, "
    "SUM(unpriced) AS unpriced, SUM(est) AS est"
)


def _group_sql(by: str, where: str) -> str:
    """One SELECT per ``--by``, shaped so that SQLite scans a usage index in order (no sort of all rows).

    Without the covering indexes ``ix_requests_usage_by_day`` / ``_by_model`` (store.schema),
    SQLite's GROUP BY sorts every row: over a second at a million requests.
    """
    day = f"SELECT substr(started_at, 1, 10) AS grp, {_SUMS} FROM requests{where} GROUP BY 1"
    if by == "day":
        return day
    if by in ("week", "month"):  # fold the days (a few hundred rows), not the requests
        fold = "date(grp, 'weekday 0', '-6 days')" if by == "week" else "substr(grp, 1, 7)"
        return f"SELECT {fold} AS grp, {_RESUMS} FROM ({day}) GROUP BY 1"
    if by == "model":
        return f"SELECT model AS grp, {_SUMS} FROM requests{where} GROUP BY model"
    if by == "served-model":  # not in a covering index: a scan of the rows in range
        return f"SELECT COALESCE(served_model, model) AS grp, {_SUMS} FROM requests{where} GROUP BY 1"
    if by == "agent":
        return (
            f"SELECT agent_name AS grp, {_RESUMS} FROM (SELECT model, agent_name, {_SUMS} FROM requests{where} "
            "GROUP BY model, agent_name) GROUP BY 1"
        )
    if by == "session":
        return (
            f"SELECT COALESCE(session_id, '') AS grp, {_RESUMS} FROM (SELECT model, agent_name, session_id, {_SUMS} "
            f"FROM requests{where} GROUP BY model, agent_name, session_id) GROUP BY 1"
        )
    raise ValueError(f"unknown grouping {by!r}")


def _usage(row: sqlite3.Row) -> AggregatedUsage:
    return AggregatedUsage(
        total_input_tokens=int(row["i"] or 0),
        total_output_tokens=int(row["o"] or 0),
        total_cache_creation_tokens=int(row["cc"] or 0),
        total_cache_read_tokens=int(row["cr"] or 0),
        total_reasoning_tokens=int(row["r"] or 0),
        total_cost_usd=float(row["cost"] or 0.0),
        request_count=int(row["n"] or 0),
        unpriced_requests=int(row["unpriced"] or 0),
        estimated_requests=int(row["est"] or 0),
    )


def _where(f: ReportFilter) -> tuple[str, list[Any]]:
    return queries.where("started_at", since=f.since, until=f.until, model=f.model, agent=f.agent)


def usage_report(conn: sqlite3.Connection, by: str, where: ReportFilter) -> UsageReport:
    """Totals per group (time groups in time order, others by cost, largest first)."""
    clause, params = _where(where)
    report = UsageReport(by=by, where=where)
    sums = [0] * 9
    for row in conn.execute(_group_sql(by, clause), params):
        usage = _usage(row)
        report.rows.append(ReportRow(str(row["grp"]), usage))
        for k in range(9):
            sums[k] += row[k + 1] or 0
    n, i, o, cr, cc, r, cost, unpriced, est = sums
    report.total = AggregatedUsage(
        total_input_tokens=int(i), total_output_tokens=int(o), total_cache_creation_tokens=int(cc),
        total_cache_read_tokens=int(cr), total_reasoning_tokens=int(r), total_cost_usd=float(cost),
        request_count=int(n), unpriced_requests=int(unpriced), estimated_requests=int(est),
    )
    if by not in TIME_GROUPS:
        report.rows.sort(key=lambda r: (-r.usage.total_cost_usd, -r.usage.request_count, r.group))
    if report.rows:  # two index lookups (one MIN and one MAX each use ix_requests_started_at)
        report.first = from_db(conn.execute(f"SELECT MIN(started_at) FROM requests{clause}", params).fetchone()[0])
        report.last = from_db(conn.execute(f"SELECT MAX(started_at) FROM requests{clause}", params).fetchone()[0])
    if by == "session" and report.rows:
        _label_sessions(conn, report.rows)
    if not report.rows:
        report.empty_store = conn.execute("SELECT 1 FROM requests LIMIT 1").fetchone() is None
    return report


def _label_sessions(conn: sqlite3.Connection, rows: list[ReportRow]) -> None:
    ids = [r.group for r in rows if r.group]
    titles: dict[str, str | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in conn.execute(f"SELECT id, title FROM sessions WHERE id IN ({marks})", chunk):
            titles[row["id"]] = row["title"]
    for r in rows:
        if not r.group:
            r.label = "(no session)"
        elif r.group in titles:
            r.label = " ".join((titles[r.group] or "").split())
        else:
            r.label = "(deleted)"


def spent_between(conn: sqlite3.Connection, since: datetime, until: datetime | None = None) -> float:
    """USD of the priced requests started in [since, until)."""
    clause, params = _where(ReportFilter(since=since, until=until))
    row = conn.execute(f"SELECT COALESCE(SUM(cost_usd), 0.0) FROM requests{clause}", params).fetchone()
    return float(row[0])


def reprice(conn: sqlite3.Connection, price_of: Callable[[str], Any]) -> tuple[int, int]:
    """Price the ledger rows whose cost is unknown with ``price_of(model)`` (a ModelPrice or None).

    Returns (rows priced, rows still unpriced). The sessions those rows belong to get
    their totals recomputed from the ledger in the same transaction.
    """
    from appam_cli.datamodel.usage import RequestUsage
    from appam_cli.store.ledger import recompute_totals

    models = [r[0] for r in conn.execute("SELECT DISTINCT model FROM requests WHERE cost_usd IS NULL")]
    prices: Mapping[str, Any] = {m: p for m in models if (p := price_of(m)) is not None}
    changed = 0
    sessions: set[str] = set()
    with db.write(conn):
        for model, price in prices.items():
            rows = conn.execute(
                "SELECT id, session_id, started_at, input_tokens, output_tokens, cache_creation_tokens, "
                "cache_read_tokens, reasoning_tokens FROM requests WHERE cost_usd IS NULL AND model = ?",
                (model,),
            ).fetchall()
            updates = []
            for r in rows:
                usage = RequestUsage(
                    r["input_tokens"], r["output_tokens"], r["cache_creation_tokens"], r["cache_read_tokens"],
                    r["reasoning_tokens"],
                )
                updates.append((price.cost(usage, from_db(r["started_at"])), r["id"]))
                if r["session_id"]:
                    sessions.add(r["session_id"])
            conn.executemany("UPDATE requests SET cost_usd = ? WHERE id = ?", updates)
            changed += len(updates)
        for session_id in sessions:
            recompute_totals(conn, session_id)
    left = conn.execute("SELECT COUNT(*) FROM requests WHERE cost_usd IS NULL").fetchone()[0]
    return changed, left
