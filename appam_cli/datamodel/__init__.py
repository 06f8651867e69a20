"""The data model (dataclasses; not LLM models, see cli/models_cmd.py): Session, ChatMessage, AggregatedUsage (shapes of the seed)."""

from appam_cli.datamodel.message import ChatMessage
from appam_cli.datamodel.request import RequestRecord
from appam_cli.datamodel.session import Session
from appam_cli.datamodel.usage import AggregatedUsage, RequestUsage

__all__ = ["AggregatedUsage", "ChatMessage", "RequestRecord", "RequestUsage", "Session"]
