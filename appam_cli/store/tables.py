"""The schema, declared as SQLModel tables.

These classes are the single declaration of the tables: migrations create them
with ``SQLModel.metadata.create_all``. Reading and writing at run time goes
through ``store.db`` with plain SQL over the same tables, because importing
SQLModel costs about half a second, more than a whole ``sessions list`` may take.
Importing this module is therefore reserved to migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel


class SessionRow(SQLModel, table=True):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_updated_at", "updated_at"),)

    id: str = Field(primary_key=True)  # UUID v4 text (the seed's session_id)
    agent_name: str = Field(default="default", index=True)
    model: str
    title: Optional[str] = None
    status: str = "running"  # running / completed / interrupted / failed
    parent_id: Optional[str] = None  # the session this one was forked from
    started_at: datetime
    ended_at: Optional[datetime] = None
    updated_at: datetime
    message_count: int = 0
    # Totals, kept equal to the sums of this session's rows in `requests`.
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    request_count: int = 0
    unpriced_requests: int = 0
    estimated_requests: int = 0


class MessageRow(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("session_id", "position", name="uq_messages_position"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    session_id: str = Field(
        sa_column=Column(String, ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    role: str
    content: Optional[str] = None
    reasoning: Optional[str] = None
    tool_calls: Optional[str] = None  # JSON text, OpenAI shape
    tool_call_id: Optional[str] = None
    name: Optional[str] = None
    model: Optional[str] = None
    status: str = "completed"  # completed / incomplete
    created_at: datetime


class RequestRow(SQLModel, table=True):
    """The ledger: one row per provider request. Holds no text, outlives its session."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_started_at", "started_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    session_id: Optional[str] = Field(default=None, index=True)
    agent_name: str = "default"
    model: str
    started_at: datetime
    duration_ms: Optional[int] = None
    ttft_ms: Optional[int] = None  # time to first token
    status: str = "completed"  # completed / incomplete / interrupted / failed
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: Optional[float] = None  # None: the model has no known price
    usage_estimated: bool = False
    imported: bool = False
