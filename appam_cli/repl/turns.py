"""One turn of the chat: the core's turn (agent/session_turn.py), as ``appam run`` has it, kept alive.

Every way a turn can end becomes an Outcome and a line or two for the user; the
chat goes on (a script stops at the first turn that did not complete).
"""

from __future__ import annotations

from dataclasses import dataclass

from appam_cli.datamodel import MessageStatus
from appam_cli.errors import (
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AppamError,
    BudgetExceeded,
    ProviderError,
)
from appam_cli.repl import output
from appam_cli.repl.interrupts import ctrl_c_cancels_answer
from appam_cli.repl.state import ChatState

COMPLETED = "completed"
INCOMPLETE = "incomplete"  # the stream was cut (no finish reason)
INTERRUPTED = "interrupted"  # Ctrl-C
FAILED = "failed"  # a provider error: nothing arrived
STOPPED = "stopped"  # a cost limit
REFUSED = "refused"  # nothing was sent (a used-up budget, an unpriced model under --max-cost)


@dataclass
class Outcome:
    status: str
    message: str | None = None
    kind: str | None = None  # ProviderError.kind
    exit_code: int = EXIT_OK
    answered: bool = False  # some answer text arrived
    kept: bool = True  # the message is in the session (not so when Ctrl-C came before the turn began)


def run_chat_turn(state: ChatState, prompt: str | None) -> Outcome:
    """Send ``prompt`` (None: answer the conversation as it stands, for /retry) and stream the answer."""
    from appam_cli.agent.session_turn import TurnSpec, prepare_agent, stream_turn
    from appam_cli.render import make_view

    o = state.options
    try:
        agent = prepare_agent(
            state.settings,
            state.store,
            TurnSpec(model=state.model, system=state.system, save=o.save),
            state.allowance,
            backend=state.worker,
            warn=output.warn,
        )
    except AppamError as exc:
        return Outcome(REFUSED, exc.message, exit_code=exc.exit_code)
    session = state.session
    count = len(session.messages)
    if state.worker is not None and not state.worker.ready:
        output.notice("litellm is still loading (a few seconds, once per chat); the answer follows")
    try:
        with ctrl_c_cancels_answer():
            try:
                stream_turn(
                    agent,
                    session,
                    prompt,
                    state.allowance,
                    make_view(raw=o.raw, show_reasoning=o.show_reasoning),
                    notice=output.notice,
                    warn=output.warn,
                    told=state.told,
                )
            except KeyboardInterrupt:
                outcome = Outcome(INTERRUPTED, exit_code=EXIT_INTERRUPTED)
            except BudgetExceeded as exc:
                outcome = Outcome(STOPPED, exc.message, exit_code=exc.exit_code)
            except ProviderError as exc:
                outcome = Outcome(FAILED, exc.message, kind=exc.kind, exit_code=exc.exit_code)
            except AppamError as exc:
                outcome = Outcome(FAILED, exc.message, exit_code=exc.exit_code)
            else:
                outcome = Outcome(COMPLETED)
    finally:
        began = len(session.messages) != count or prompt is None  # the turn got as far as saving
        if began:
            state.after_turn()
    outcome.kept = began
    last = session.messages[-1] if session.messages else None
    outcome.answered = last is not None and last.role == "assistant" and bool(last.content or last.tool_calls)
    if (
        outcome.status == COMPLETED
        and last is not None
        and last.role == "assistant"
        and last.status != MessageStatus.COMPLETED
    ):
        outcome = Outcome(INCOMPLETE, exit_code=EXIT_INCOMPLETE, answered=outcome.answered)
    return outcome


def report(state: ChatState, outcome: Outcome) -> None:
    """The line(s) after a turn that did not simply complete."""
    saved = "saved" if state.saving else "kept for this chat (--no-save)"
    if outcome.status == INTERRUPTED:
        if outcome.answered:
            output.notice(f"answer cancelled; what arrived is {saved}, marked incomplete · /retry asks again")
        elif not outcome.kept:
            output.notice("cancelled: nothing was sent (Up brings the message back)")
        else:
            output.notice("cancelled before the answer started · /retry asks again")
    elif outcome.status == INCOMPLETE:
        output.warn(f"the answer was cut off before the model finished; {saved} as incomplete · /retry asks again")
    elif outcome.status == FAILED:
        output.error(outcome.message or "the request failed")
        if outcome.kind == "context_window":
            sid = state.session.session_id[:8]
            output.notice(
                "ways out: /new starts a fresh session · /undo drops the last exchange · or fork an earlier "
                f"part of this one: appam sessions fork {sid} --at N (keeps the first N messages)"
            )
        else:
            output.notice("your message is kept · /retry sends it again")
    elif outcome.status in (STOPPED, REFUSED):
        output.warn(outcome.message or "stopped")
