"""One turn: send the conversation, stream the answer into a message, save as it goes.

This is the only loop: ``run``, ``stream`` and ``continue_session`` all end here
(continue is a run with the history loaded first).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from appam_cli.agent.callbacks import Callbacks
from appam_cli.agent.unsent import TurnStart, never_sent
from appam_cli.datamodel import (
    AggregatedUsage,
    ChatMessage,
    MessageStatus,
    RequestRecord,
    RequestStatus,
    RequestUsage,
    Session,
    SessionStatus,
)
from appam_cli.datamodel.api_base import without_credentials
from appam_cli.datamodel.message import provider_messages
from appam_cli.datamodel.times import utcnow
from appam_cli.errors import EXIT_INCOMPLETE, AppamError, LoopStopped, ProviderError, SessionDeleted, UserError
from appam_cli.providers import (
    Event,
    Notice,
    Progress,
    ProviderRequest,
    ReasoningDelta,
    Retrying,
    StreamResult,
    TextDelta,
    request_cost,
)
from appam_cli.providers.usage import rough_tokens, rough_tokens_of_messages

if TYPE_CHECKING:
    from appam_cli.agent.agent import Agent
    from appam_cli.agent.store import SessionStore
    from appam_cli.agent.tool_runner import FailureStreak, ToolRun
    from appam_cli.tools.spec import ToolOutcome

CHECKPOINT_SECONDS = 1.0
HEARTBEAT_SECONDS = 10.0  # while a tool runs, the session is saved this often (store.liveness: 30 s)
TITLE_LENGTH = 60


def make_title(prompt: str) -> str:
    """The first user prompt, on one line and shortened."""
    line = " ".join(prompt.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def run_turn(agent: Agent, session: Session, prompt: str | None, callbacks: Callbacks) -> Session:
    """``prompt`` None answers the conversation as it stands (its last message other than
    a system one must be the user's): how the chat's /retry regenerates an answer.

    With tools (``agent.tool_run``), an answer that calls tools has them run, their results
    appended as ``tool`` messages, and the model is asked again, until an answer calls none.
    Every step is saved as it completes. The loop stops (LoopStopped, exit 4) after
    ``max_steps`` requests or when the same call fails again and again.
    """
    history = agent.history if agent.history is not None and agent.history.auto_save else None
    if prompt is None and next((m.role for m in reversed(session.messages) if m.role != "system"), None) != "user":
        raise UserError("nothing to answer: the conversation does not end with a user message")
    before = TurnStart.of(session)  # what to put back if nothing is sent (agent/unsent.py)
    if not session.messages and agent.system_prompt:
        session.messages.append(ChatMessage(role="system", content=agent.system_prompt))
    if prompt is not None:
        session.messages.append(ChatMessage(role="user", content=prompt))
        if session.title is None:
            session.title = make_title(prompt)
    session.model = agent.model
    session.agent_name = agent.name  # who answers now, like the model (each ledger row has its own)
    base = agent.options.api_base
    session.api_base = without_credentials(base) if base else None  # where it is answered, never a key
    session.profile = agent.options.profile  # the provider profile that answers it (config.toml), if any
    session.imported_api_base = None  # answered where the user chose: the file's address is history
    _running(session)
    request = agent.provider_request(provider_messages(session.messages))
    if agent.cost_guard is not None:  # the prompt alone too dear: refused before anything is saved or sent
        try:
            request.count_every = agent.cost_guard.before_request(
                agent.model, request.messages, agent.backend.estimate_usage
            )
        except BaseException as exc:
            before.restore(session)
            if isinstance(exc, AppamError):
                callbacks.on_error(exc.message)
            raise
    if history:  # the new messages go at the end of the session, and the answer's place after them
        history.save_session(session, reserve_answer=True)

    tools = agent.tool_run
    streak: FailureStreak | None = None  # (the tool machinery is imported only when there are tools)
    steps = 0
    next_request: ProviderRequest | None = request  # the first one checked above; each next one in _ask
    while True:
        steps += 1
        result = _ask(agent, session, callbacks, history, before, next_request)
        next_request = None
        if tools is None or result.incomplete or not result.tool_calls:
            break
        if steps >= tools.max_steps:
            names = ", ".join(dict.fromkeys(c["function"]["name"] for c in result.tool_calls))
            for call in result.tool_calls:  # shown (not run): the answer's text goes with them, not as the final one
                callbacks.on_tool_call(call)
            _stop(
                session, history, callbacks,
                f"stopped after {steps} request{'' if steps == 1 else 's'} (max steps {tools.max_steps}): the model "
                f"still asked for {names}; everything so far is saved (--max-steps N allows more)",
            )
        _running(session)
        if history:
            history.save_session(session)
        if streak is None:
            from appam_cli.agent.tool_runner import FailureStreak

            streak = FailureStreak()
        if _run_tools(session, result.tool_calls, tools, callbacks, history, streak):
            _stop(session, history, callbacks, streak.message())
        if history:  # the tool results are saved; the next answer's place after them
            history.save_session(session, reserve_answer=True)
    if history:
        history.save_session(session)
    if tools is None:  # calls nothing runs here: shown, and kept (unanswered) in the session
        for call in result.tool_calls:
            callbacks.on_tool_call(call)
    if result.incomplete:
        callbacks.on_error(f"the answer was cut off: {result.error}")
    callbacks.on_done()
    return session


def _ask(
    agent: Agent,
    session: Session,
    callbacks: Callbacks,
    history: SessionStore | None,
    before: TurnStart,
    request: ProviderRequest | None = None,
) -> StreamResult:
    """One provider request (``request``, already checked against the cost limit; None: the
    conversation as it stands now), its answer appended to the session (saved by the caller); on
    any failure what arrived is saved here, marked incomplete, and the failure raised. A request
    that never left the machine leaves nothing of the turn when it was the turn's only one."""
    checked = request is not None
    if request is None:
        request = agent.provider_request(provider_messages(session.messages))
    turn = _Turn(agent, session, request, callbacks, history)
    try:
        if agent.cost_guard is not None and not checked:
            request.count_every = agent.cost_guard.before_request(
                agent.model, request.messages, agent.backend.estimate_usage
            )
        result = turn.stream()
    except BaseException as exc:  # a provider error, a cost limit, Ctrl-C, SIGTERM, a bug: keep what arrived
        if never_sent(exc) and turn.withdraw(before):  # nothing left the machine: nothing of the turn stays
            callbacks.on_error(str(exc))
            raise
        turn.record_stop(exc)
        if history and not isinstance(exc, SessionDeleted):  # a deleted session is never recreated
            history.save_session(session)
        if isinstance(exc, AppamError):
            callbacks.on_error(exc.message)
        raise
    turn.record_result(result)
    return result


def _run_tools(
    session: Session,
    calls: list[dict[str, Any]],
    tools: ToolRun,
    callbacks: Callbacks,
    history: SessionStore | None,
    streak: FailureStreak,
) -> bool:
    """Run one answer's calls, each result appended and saved as it comes; True when the same
    call has now failed too many times in a row."""
    wires = [str((call.get("function") or {}).get("name") or "") for call in calls]
    repeated = False
    last_beat = time.monotonic()
    count = 0

    def done(outcome: ToolOutcome) -> None:  # outcomes come in call order
        nonlocal repeated, count
        session.messages.append(
            ChatMessage(role="tool", content=outcome.content, tool_call_id=outcome.call_id, name=wires[count])
        )
        count += 1
        repeated = streak.note(outcome) or repeated
        if history:
            history.save_session(session)

    def heartbeat() -> None:  # a long call: the session still says it is being answered
        nonlocal last_beat
        if history and time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            history.save_session(session)

    try:
        from appam_cli.agent.tool_runner import run_calls

        run_calls(calls, tools, callbacks, done, heartbeat)
    except BaseException as exc:  # Ctrl-C, SIGTERM while a tool runs: the results so far are saved
        session.status = SessionStatus.INTERRUPTED
        session.ended_at = utcnow()
        if history and not isinstance(exc, SessionDeleted):
            history.save_session(session)
        raise
    return repeated


def _running(session: Session) -> None:
    session.status = SessionStatus.RUNNING
    session.ended_at = None


def _stop(session: Session, history: SessionStore | None, callbacks: Callbacks, reason: str) -> NoReturn:
    """The loop ends before a final answer: the session is interrupted, saved, and LoopStopped raised."""
    session.status = SessionStatus.INTERRUPTED
    session.ended_at = utcnow()
    if history:
        history.save_session(session)
    callbacks.on_error(reason)
    raise LoopStopped(reason, session)


@dataclass
class _Turn:
    """One request of a turn: what it sends, the answer it builds, and how far it got."""

    agent: Agent
    session: Session
    request: ProviderRequest
    callbacks: Callbacks
    history: SessionStore | None
    answer: ChatMessage = field(init=False)
    position: int = field(init=False)  # where the answer goes in the session
    started_at: datetime = field(default_factory=utcnow)
    last_checkpoint: float = field(default_factory=time.monotonic)
    first_byte: bool = False
    record: RequestRecord | None = None  # the request in flight: in the ledger as running from its send
    progress: Progress | None = None  # the provider's last token count of the answer

    def __post_init__(self) -> None:
        self.answer = ChatMessage(role="assistant", content="", model=self.agent.model, status=MessageStatus.INCOMPLETE)
        self.position = len(self.session.messages)

    def stream(self) -> StreamResult:
        self._sent()
        events = self.agent.backend.stream_chat(self.request)
        try:
            return self._consume(events)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a stop (cost limit, Ctrl-C) ends the request instead of leaving it open

    def _consume(self, events: Iterator[Event]) -> StreamResult:
        guard = self.agent.cost_guard
        for event in events:
            if isinstance(event, StreamResult):
                return event
            if isinstance(event, Retrying):
                self._retrying(event.wait, event.sent)
                self.callbacks.on_retry(event.attempt, event.wait, event.reason)
                continue
            if isinstance(event, Notice):
                self.callbacks.on_notice(event.text)
                continue
            if isinstance(event, Progress):  # the provider's token count of the answer so far
                self.progress = event
                if guard is not None:
                    guard.on_progress(event)
                continue
            self._started()
            if isinstance(event, TextDelta):
                self.answer.content = (self.answer.content or "") + event.text
                self.callbacks.on_content(event.text)
            elif isinstance(event, ReasoningDelta):
                self.answer.reasoning = (self.answer.reasoning or "") + event.text
                self.callbacks.on_reasoning(event.text)
            # (an answer not streamed arrives whole and paid for: nothing to stop, its usage counts)
            if guard is not None and self.request.options.stream and isinstance(event, (TextDelta, ReasoningDelta)):
                guard.on_stream(event.text, reasoning=isinstance(event, ReasoningDelta))
            self._checkpoint()
        raise ProviderError("the provider stream ended without a result", kind="provider")

    def _started(self) -> None:
        if not self.first_byte:
            self.first_byte = True
            self.session.messages.append(self.answer)

    def _checkpoint(self) -> None:
        now = time.monotonic()
        if self.history and now - self.last_checkpoint >= CHECKPOINT_SECONDS:
            self.history.checkpoint_message(self.session, self.position)
            self._estimate_so_far()
            self.last_checkpoint = now

    # -- the ledger row of the request in flight ----------------------------------------

    def _sent(self, delay: float = 0.0) -> None:
        """A request goes out (after ``delay`` seconds): its ledger row is written now, running,
        with what its prompt will cost, so a kill leaves a row behind (store.running)."""
        self.started_at = utcnow() + timedelta(seconds=delay)
        usage = RequestUsage(input_tokens=rough_tokens_of_messages(self.request.messages), estimated=True)
        self.record = RequestRecord(
            model=self.agent.model,
            usage=usage,
            cost_usd=self._estimated_cost(usage),
            started_at=self.started_at,
            status=RequestStatus.RUNNING,
            agent_name=self.session.agent_name,
        )
        if self.history:
            self.history.open_request(self.session, self.record)

    def _retrying(self, wait: float, sent: bool = True) -> None:
        """The attempt failed before any answer: its row is a failed request (withdrawn when the
        attempt never reached a server); the next one gets its own."""
        if not sent:
            self._withdraw_request()
        else:
            self._add_request(RequestUsage(), 0.0, RequestStatus.FAILED)
            if self.history:
                self.history.settle_requests(self.session)
        self._sent(delay=wait)

    def _withdraw_request(self) -> None:
        record, self.record = self.record, None
        if record is not None and self.history:
            self.history.withdraw_request(self.session, record)

    def withdraw(self, before: TurnStart) -> bool:
        """The request was never sent: its ledger row goes. True when the whole turn went with it
        (the session back as it was); False when an earlier attempt reached a server (the turn
        stays, failed)."""
        self._withdraw_request()
        if len(self.session.requests) > before.requests:
            return False
        before.restore(self.session, self.history)
        return True

    def _estimate_so_far(self) -> None:
        """The running row's estimate from the text just checkpointed, and a heartbeat."""
        record = self.record
        if record is None or self.history is None:
            return
        reasoning = rough_tokens(self.answer.reasoning or "")
        output = rough_tokens(self.answer.content or "") + reasoning
        if self.progress is not None:  # counted by the model's tokenizer: the truer figure
            reasoning = max(reasoning, self.progress.reasoning_tokens)
            output = max(output, self.progress.output_tokens)
        usage = RequestUsage(
            input_tokens=record.usage.input_tokens,
            output_tokens=output,
            reasoning_tokens=reasoning,
            estimated=True,
        )
        record.usage, record.cost_usd = usage, self._estimated_cost(usage)
        self.history.checkpoint_request(self.session, record)

    def _estimated_cost(self, usage: RequestUsage) -> float | None:
        try:
            return request_cost(self.agent.model, usage, self.request.price)
        except Exception:
            return None

    # -- how the turn ended ------------------------------------------------------------

    def record_result(self, result: StreamResult) -> None:
        if not self.first_byte:
            self.session.messages.append(self.answer)  # an empty answer is still an answer
        answer = self.answer
        answer.tool_calls = [_with_id(call) for call in result.tool_calls] or None
        answer.thinking_blocks = result.thinking_blocks or None
        answer.status = MessageStatus.INCOMPLETE if result.incomplete else MessageStatus.COMPLETED
        if answer.content == "" and answer.tool_calls:
            answer.content = None
        self._add_request(
            result.usage,
            result.cost_usd,
            RequestStatus.INCOMPLETE if result.incomplete else RequestStatus.COMPLETED,
            duration_ms=result.duration_ms,
            ttft_ms=result.ttft_ms,
            served_model=result.served_model,
            cost_reported=result.cost_reported,
        )
        self._end(SessionStatus.INTERRUPTED if result.incomplete else SessionStatus.COMPLETED)

    def record_stop(self, exc: BaseException) -> None:
        """The turn stopped before its result: keep what arrived, marked incomplete.

        A provider error before any answer is a failed request (not billed); after the
        answer started it is a cut stream (exit 4); anything else (a cost limit, Ctrl-C,
        SIGTERM) interrupts the request here.
        """
        if isinstance(exc, ProviderError) and not self.first_byte:
            if exc.sent:  # (one never sent was withdrawn)
                self._add_request(RequestUsage(), 0.0, RequestStatus.FAILED)
            self._end(SessionStatus.FAILED)
            return
        cut_by_provider = isinstance(exc, ProviderError)
        if isinstance(exc, ProviderError):
            exc.exit_code = EXIT_INCOMPLETE
        self._end(SessionStatus.INTERRUPTED)
        if not self.first_byte:
            if self.record is not None:  # sent, stopped while waiting for the answer: the prompt as estimated
                self._add_request(self.record.usage, self.record.cost_usd, RequestStatus.INTERRUPTED)
            return
        self.answer.status = MessageStatus.INCOMPLETE
        model, messages = self.agent.model, self.request.messages
        try:
            answer = (self.answer.reasoning or "") + (self.answer.content or "")  # reasoning is billed as output
            usage = self.agent.backend.estimate_usage(model, messages, answer)
            cost = request_cost(model, usage, self.request.price)
        except Exception:
            usage, cost = RequestUsage(estimated=True), None
        self._add_request(usage, cost, RequestStatus.INCOMPLETE if cut_by_provider else RequestStatus.INTERRUPTED)

    def _add_request(
        self,
        usage: RequestUsage,
        cost_usd: float | None,
        status: RequestStatus,
        *,
        duration_ms: int | None = None,
        ttft_ms: int | None = None,
        served_model: str | None = None,
        cost_reported: bool = False,
    ) -> None:
        session = self.session
        record = self.record or RequestRecord(
            model=self.agent.model, started_at=self.started_at, agent_name=session.agent_name
        )
        self.record = None
        record.usage, record.cost_usd, record.status = usage, cost_usd, status
        record.duration_ms, record.ttft_ms = duration_ms, ttft_ms
        record.served_model, record.cost_reported = served_model, cost_reported
        session.requests.append(record)
        if self.agent.cost_guard is not None:
            self.agent.cost_guard.add_spent(cost_usd)
        if session.usage is None:
            session.usage = AggregatedUsage()
        session.usage.add_request(usage, cost_usd)

    def _end(self, status: SessionStatus) -> None:
        self.session.status = status
        self.session.ended_at = utcnow()


def _with_id(call: dict[str, Any]) -> dict[str, Any]:
    """A tool call with an id (a provider that sends none gets one here: results need it)."""
    if not call.get("id"):
        call["id"] = f"call_{uuid.uuid4().hex[:24]}"
    return call
