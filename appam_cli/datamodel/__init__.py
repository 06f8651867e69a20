"""The data model (dataclasses; not LLM models, see cli/models_cmd.py): Session, ChatMessage,
AggregatedUsage in the seed's shapes, and the values the layers hand each other."""

from appam_cli.datamodel.message import ChatMessage
from appam_cli.datamodel.options import RequestOptions
from appam_cli.datamodel.request import RequestRecord
from appam_cli.datamodel.session import Session
from appam_cli.datamodel.status import MessageStatus, RequestStatus, SessionStatus
from appam_cli.datamodel.usage import AggregatedUsage, RequestUsage

__all__ = [
    "AggregatedUsage",
    "ChatMessage",
    "MessageStatus",
    "RequestOptions",
    "RequestRecord",
    "RequestStatus",
    "RequestUsage",
    "Session",
    "SessionStatus",
]
