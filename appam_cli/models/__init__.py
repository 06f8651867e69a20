"""The data model: Session, ChatMessage, AggregatedUsage (shapes of the seed)."""

from appam_cli.models.message import ChatMessage
from appam_cli.models.request import RequestRecord
from appam_cli.models.session import Session
from appam_cli.models.usage import AggregatedUsage, RequestUsage

__all__ = ["AggregatedUsage", "ChatMessage", "RequestRecord", "RequestUsage", "Session"]
