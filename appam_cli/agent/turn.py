"""One turn: send the conversation, stream the answer into a message, save as it goes.

This is the only loop: ``run``, ``stream`` and ``continue_session`` all end here
(continue is a run with the history loaded first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appam_cli.agent.budget import BudgetExceeded, CostGuard, cost_guard
from appam_cli.agent.callbacks import Callbacks
from appam_cli.errors import EXIT_INCOMPLETE, ProviderError, UserError
from appam_cli.datamodel import AggregatedUsage, ChatMessage, RequestRecord, RequestUsage, Session
from appam_cli.datamodel.message import COMPLETED, INCOMPLETE, provider_messages
from appam_cli.datamodel.session import COMPLETED as SESSION_COMPLETED
from appam_cli.datamodel.session import FAILED, INTERRUPTED
from appam_cli.datamodel.times import utcnow
from appam_cli.providers import (
    ProviderRequest,
    ReasoningDelta,
    Retrying,
    StreamResult,
    TextDelta,
    ToolCallDelta,
    estimate_usage,
    request_cost,
    stream_chat,
)

if TYPE_CHECKING:
    from appam_cli.agent.agent import Agent

CHECKPOINT_SECONDS = 1.0
TITLE_LENGTH = 60


def make_title(prompt: str) -> str:
    """The first user prompt, on one line and shortened."""
    line = " ".join(prompt.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


@dataclass
class _Progress:
    position: int
    last_checkpoint: float
    started_at: object
    first_byte: bool = False


def run_turn(agent: "Agent", session: Session, prompt: str | None, callbacks: Callbacks) -> Session:
    """``prompt`` None answers the conversation as it stands (its last message other than
    a system one must be the user's): how the chat's /retry regenerates an answer."""
    history = agent.history if agent.history is not None and agent.history.auto_save else None
    if prompt is None and next((m.role for m in reversed(session.messages) if m.role != "system"), None) != "user":
        raise UserError("nothing to answer: the conversation does not end with a user message")
    guard = cost_guard(agent)  # before anything is saved: an unpriced model cannot be capped
    if not session.messages and agent.system_prompt:
        session.messages.append(ChatMessage(role="system", content=agent.system_prompt))
    if prompt is not None:
        session.messages.append(ChatMessage(role="user", content=prompt))
        if session.title is None:
            session.title = make_title(prompt)
    session.model = agent.model
    session.status = "running"
    session.ended_at = None
    if history:
        history.save_session(session)

    request = agent.provider_request(provider_messages(session.messages))
    answer = ChatMessage(role="assistant", content="", model=agent.model, status=INCOMPLETE)
    progress = _Progress(position=len(session.messages), last_checkpoint=time.monotonic(), started_at=utcnow())
    try:
        if guard is not None:
            guard.before_request(agent.model, request.messages)
        result = _stream_answer(request, session, answer, progress, callbacks, history, guard)
    except BudgetExceeded as exc:  # a cost limit: keep what arrived, marked incomplete
        _record_interruption(agent, session, answer, progress, request)
        if history:
            history.save_session(session)
        callbacks.on_error(exc.message)
        raise
    except ProviderError as exc:
        if progress.first_byte:  # the answer had started: keep what arrived, like any cut stream
            _record_interruption(agent, session, answer, progress, request, status="incomplete")
            exc.exit_code = EXIT_INCOMPLETE
        else:
            _record_failure(agent, session, progress)
        if history:
            history.save_session(session)
        callbacks.on_error(exc.message)
        raise
    except BaseException:  # Ctrl-C, SIGTERM, or a bug: keep what arrived, then let it through
        _record_interruption(agent, session, answer, progress, request)
        if history:
            history.save_session(session)
        raise
    _record_result(agent, session, answer, result, progress)
    if history:
        history.save_session(session)
    for call in result.tool_calls:
        callbacks.on_tool_call(call)
    if result.incomplete:
        callbacks.on_error(f"the answer was cut off: {result.error}")
    callbacks.on_done()
    return session


def _stream_answer(
    request: ProviderRequest,
    session: Session,
    answer: ChatMessage,
    progress: _Progress,
    callbacks: Callbacks,
    history,
    guard: CostGuard | None = None,
) -> StreamResult:
    events = stream_chat(request)
    try:
        return _consume(events, session, answer, progress, callbacks, history, guard)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # a stop (cost limit, Ctrl-C) ends the request instead of leaving it open


def _consume(events, session, answer, progress, callbacks, history, guard) -> StreamResult:
    for event in events:
        if isinstance(event, TextDelta):
            _started(session, answer, progress)
            answer.content = (answer.content or "") + event.text
            callbacks.on_content(event.text)
            if guard is not None:
                guard.on_stream(event.text)
        elif isinstance(event, ReasoningDelta):
            _started(session, answer, progress)
            answer.reasoning = (answer.reasoning or "") + event.text
            callbacks.on_reasoning(event.text)
            if guard is not None:
                guard.on_stream(event.text)
        elif isinstance(event, ToolCallDelta):
            _started(session, answer, progress)
        elif isinstance(event, Retrying):
            callbacks.on_retry(event.attempt, event.wait, event.reason)
            continue
        elif isinstance(event, StreamResult):
            return event
        now = time.monotonic()
        if history and now - progress.last_checkpoint >= CHECKPOINT_SECONDS:
            history.checkpoint_message(session, progress.position)
            progress.last_checkpoint = now
    raise ProviderError("the provider stream ended without a result", kind="provider")


def _started(session: Session, answer: ChatMessage, progress: _Progress) -> None:
    if not progress.first_byte:
        progress.first_byte = True
        session.messages.append(answer)


def _add_request(agent: "Agent", session: Session, record: RequestRecord) -> None:
    session.requests.append(record)
    guard = getattr(agent, "_cost_guard", None)
    if guard is not None:
        guard.add_spent(record.cost_usd)
    if session.usage is None:
        session.usage = AggregatedUsage()
    session.usage.add_request(record.usage, record.cost_usd)


def _record_result(agent: "Agent", session: Session, answer: ChatMessage, result: StreamResult, progress: _Progress) -> None:
    if not progress.first_byte:
        session.messages.append(answer)  # an empty answer is still an answer
    answer.tool_calls = result.tool_calls or None
    answer.status = COMPLETED if not result.incomplete else INCOMPLETE
    if answer.content == "" and answer.tool_calls:
        answer.content = None
    _add_request(
        agent,
        session,
        RequestRecord(
            model=agent.model,
            usage=result.usage,
            cost_usd=result.cost_usd,
            started_at=progress.started_at,
            duration_ms=result.duration_ms,
            ttft_ms=result.ttft_ms,
            status="completed" if not result.incomplete else "incomplete",
            agent_name=session.agent_name,
        ),
    )
    session.status = SESSION_COMPLETED if not result.incomplete else INTERRUPTED
    session.ended_at = utcnow()


def _record_failure(agent: "Agent", session: Session, progress: _Progress) -> None:
    """The request failed before any answer arrived."""
    _add_request(
        agent,
        session,
        RequestRecord(
            model=agent.model,
            usage=RequestUsage(),
            cost_usd=0.0,  # a refused request is not billed
            started_at=progress.started_at,
            duration_ms=None,
            status="failed",
            agent_name=session.agent_name,
        ),
    )
    session.status = FAILED
    session.ended_at = utcnow()


def _record_interruption(
    agent: "Agent",
    session: Session,
    answer: ChatMessage,
    progress: _Progress,
    request: ProviderRequest,
    status: str = "interrupted",
) -> None:
    session.status = INTERRUPTED
    session.ended_at = utcnow()
    if not progress.first_byte:
        return
    answer.status = INCOMPLETE
    try:
        usage = estimate_usage(agent.model, request.messages, answer.content or "")
        cost = request_cost(agent.model, usage, request.price)
    except Exception:
        usage, cost = RequestUsage(estimated=True), None
    _add_request(
        agent,
        session,
        RequestRecord(
            model=agent.model,
            usage=usage,
            cost_usd=cost,
            started_at=progress.started_at,
            status=status,
            agent_name=session.agent_name,
        ),
    )
