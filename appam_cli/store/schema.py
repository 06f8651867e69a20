"""The schema as it is today, declared once: tables and their columns, indexes, the search index.

Run-time SQL takes its column lists from here, and importing this module costs nothing.
Databases get this schema from the migration steps in ``store.migrations``, each frozen as
it was written for its version; ``tests/test_migrations.py`` checks that a database
migrated from scratch has exactly what is declared here. A schema change is therefore a
new migration step plus the matching change here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as declared in SQLite
    not_null: bool = True
    references: str | None = None  # "table(column)" (the row goes when its parent does)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: str = "id"
    unique: tuple[str, ...] = ()  # one UNIQUE constraint over these columns

    def names(self, *, without: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The column names in table order, leaving out ``without``."""
        return tuple(c.name for c in self.columns if c.name not in without)

    def insert(self, columns: tuple[str, ...]) -> str:
        """``INSERT INTO table (a, b) VALUES (:a, :b)``: parameters by column name."""
        return f"INSERT INTO {self.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    keys: tuple[str, ...]  # columns or expressions, in index order
    where: str | None = None  # a partial index: only the rows where this holds


SESSIONS = Table(
    "sessions",
    (
        Column("id", "VARCHAR"),  # UUID v4 text (the seed's session_id)
        Column("agent_name", "VARCHAR"),
        Column("model", "VARCHAR"),
        Column("title", "VARCHAR", not_null=False),
        Column("status", "VARCHAR"),  # running / completed / interrupted / failed
        Column("parent_id", "VARCHAR", not_null=False),  # the session this one was forked from
        Column("started_at", "DATETIME"),
        Column("ended_at", "DATETIME", not_null=False),
        Column("updated_at", "DATETIME"),
        Column("message_count", "INTEGER"),
        # Totals, kept equal to the sums of this session's rows in `requests` (store.ledger).
        Column("input_tokens", "INTEGER"),
        Column("output_tokens", "INTEGER"),
        Column("cache_creation_tokens", "INTEGER"),
        Column("cache_read_tokens", "INTEGER"),
        Column("reasoning_tokens", "INTEGER"),
        Column("cost_usd", "FLOAT"),
        Column("request_count", "INTEGER"),
        Column("unpriced_requests", "INTEGER"),
        Column("estimated_requests", "INTEGER"),
        Column("api_base", "VARCHAR", not_null=False),  # where it was answered (never a key)
        Column("imported_api_base", "VARCHAR", not_null=False),  # named by an imported file, unconfirmed
        # Who answers it while it is running (its tools run between requests, with no ledger row
        # running): a later command sees at once that a killed writer is gone (store.running).
        Column("writer_pid", "INTEGER", not_null=False),
        Column("writer_host", "VARCHAR", not_null=False),
    ),
)
# The session columns that the ledger sets (store.ledger), never a save.
SESSION_TOTALS = SESSIONS.names()[
    SESSIONS.names().index("input_tokens") : SESSIONS.names().index("estimated_requests") + 1
]

MESSAGES = Table(
    "messages",
    (
        Column("id", "INTEGER"),
        Column("session_id", "VARCHAR", references="sessions(id)"),
        Column("position", "INTEGER"),
        Column("role", "VARCHAR"),
        Column("content", "VARCHAR", not_null=False),
        Column("reasoning", "VARCHAR", not_null=False),
        Column("tool_calls", "VARCHAR", not_null=False),  # JSON text, OpenAI shape
        Column("tool_call_id", "VARCHAR", not_null=False),
        Column("name", "VARCHAR", not_null=False),
        Column("model", "VARCHAR", not_null=False),
        Column("status", "VARCHAR"),  # completed / incomplete
        Column("created_at", "DATETIME"),
        Column("thinking_blocks", "VARCHAR", not_null=False),  # JSON text: signed thinking blocks to send back
    ),
    unique=("session_id", "position"),
)

# The ledger: one row per provider request. Holds no text and outlives its session
# (no foreign key: deleting a session keeps its requests).
REQUESTS = Table(
    "requests",
    (
        Column("id", "INTEGER"),
        Column("session_id", "VARCHAR", not_null=False),
        Column("agent_name", "VARCHAR"),
        Column("model", "VARCHAR"),
        Column("started_at", "DATETIME"),
        Column("duration_ms", "INTEGER", not_null=False),
        Column("ttft_ms", "INTEGER", not_null=False),  # time to first token
        Column("status", "VARCHAR"),  # completed / incomplete / interrupted / failed
        Column("input_tokens", "INTEGER"),
        Column("output_tokens", "INTEGER"),
        Column("cache_creation_tokens", "INTEGER"),
        Column("cache_read_tokens", "INTEGER"),
        Column("reasoning_tokens", "INTEGER"),
        Column("cost_usd", "FLOAT", not_null=False),  # NULL: the model has no known price
        Column("usage_estimated", "BOOLEAN"),
        Column("imported", "BOOLEAN"),
        # Who writes the row while its request runs, and when it last said so (store.liveness).
        Column("owner_pid", "INTEGER", not_null=False),
        Column("owner_host", "VARCHAR", not_null=False),
        Column("heartbeat_at", "DATETIME", not_null=False),
    ),
)

TABLES = (SESSIONS, MESSAGES, REQUESTS)

# What usage reports add up: the covering indexes below hold all of it.
_USAGE = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens", "reasoning_tokens", "cost_usd",
    "usage_estimated",
)
INDEXES = (
    Index("ix_sessions_updated_at", "sessions", ("updated_at",)),
    Index("ix_sessions_agent_name", "sessions", ("agent_name",)),
    Index("ix_requests_session_id", "requests", ("session_id",)),
    Index("ix_requests_started_at", "requests", ("started_at",)),
    # Covering indexes in the order usage reports group by (store.reports): day/week/month
    # read the first, model/agent/session the second, and no table row is read.
    Index(
        "ix_requests_usage_by_day",
        "requests",
        ("substr(started_at, 1, 10)", "started_at", "model", "agent_name", *_USAGE),
    ),
    Index("ix_requests_usage_by_model", "requests", ("model", "agent_name", "session_id", "started_at", *_USAGE)),
    # The requests still running (store.running): few rows, found without scanning the ledger.
    Index("ix_requests_running", "requests", ("session_id",), where="status = 'running'"),
)

# Full-text search (store.search): an external-content FTS5 table over messages.content,
# kept in step by triggers. Absent where SQLite was built without FTS5.
FTS_TABLE = "messages_fts"
FTS_DELETE_TRIGGER = "messages_fts_delete"  # dropped for a while by bulk deletes
FTS_TRIGGERS = ("messages_fts_insert", FTS_DELETE_TRIGGER, "messages_fts_update")
