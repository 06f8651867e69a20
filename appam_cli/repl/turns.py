"""One turn of the chat: the core's turn (agent/session_turn.py), as ``appam run`` has it, kept alive.

Every way a turn can end becomes an Outcome and a line or two for the user; the
chat goes on (a script stops at the first turn that did not complete).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from appam_cli.datamodel import MessageStatus
from appam_cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AppamError,
    BudgetExceeded,
    LoopStopped,
    ProviderError,
    SessionDeleted,
)
from appam_cli.repl import output
from appam_cli.repl.interrupts import ctrl_c_cancels_answer
from appam_cli.repl.state import ChatState

COMPLETED = "completed"
INCOMPLETE = "incomplete"  # the stream was cut (no finish reason)
INTERRUPTED = "interrupted"  # Ctrl-C
FAILED = "failed"  # a provider error: nothing arrived
STOPPED = "stopped"  # a cost limit
LOOP_STOPPED = "loop-stopped"  # the tool loop: --max-steps, or the same call failing again and again
REFUSED = "refused"  # nothing was sent (a used-up budget, an unpriced model under --max-cost)
DELETED = "deleted"  # another command deleted the session: nothing more of it is saved
UNSAVED = "unsaved"  # the store did not take the turn (disk full, read-only…): it is only in this chat


@dataclass
class Outcome:
    status: str
    message: str | None = None
    kind: str | None = None  # ProviderError.kind
    exit_code: int = EXIT_OK
    answered: bool = False  # some answer text arrived
    kept: bool = True  # the message is in the session (not so when Ctrl-C came before the turn began)
    unsaved: str = ""  # answer text that could not be saved (the session was deleted under it)


def catch_up(state: ChatState, *, turn: bool = False, load: bool = True) -> str | None:
    """Before the chat writes to its saved session: None when it may, else why not (one line).

    Another appam answering the session now refuses a ``turn`` (the busy rule, agent/busy.py);
    what another appam wrote meanwhile is loaded first (``load``), and the user told so once,
    so the model sees the whole conversation and nothing of the other window is lost.
    """
    from appam_cli.agent.busy import refuse_if_busy

    if not (state.saving and state.persisted):
        return None
    try:
        if turn:
            refuse_if_busy(state.store, state.session.session_id)
        added = state.sync() if load else 0
    except SessionDeleted as exc:
        return f"{exc.message}: nothing more of it is saved · /new starts a new session"
    except AppamError as exc:
        return exc.message
    if added:
        were = "messages added by another appam were" if added != 1 else "message added by another appam was"
        output.notice(f"{added} {were} loaded")
    return None


def run_chat_turn(state: ChatState, prompt: str | None) -> Outcome:
    """Send ``prompt`` (None: answer the conversation as it stands, for /retry) and stream the answer."""
    from appam_cli.agent.session_turn import TurnSpec, prepare_agent, stream_turn
    from appam_cli.render import make_view

    o = state.options
    try:
        agent = prepare_agent(
            state.settings,
            state.store,
            TurnSpec(
                model=state.model,
                system=state.system,
                save=o.save,
                agent=o.agent,
                tools=o.tools,
                toolbox=state.toolbox,
                approver=state.approver,
            ),
            state.allowance,
            backend=state.worker,
            warn=output.warn,
        )
    except AppamError as exc:
        return Outcome(REFUSED, exc.message, exit_code=exc.exit_code)
    refusal = catch_up(state, turn=True, load=prompt is not None)  # /retry loaded them before dropping the answer
    if refusal is not None:
        return Outcome(REFUSED, refusal, exit_code=EXIT_BAD_INPUT, kept=False)
    session = state.session
    count = len(session.messages)
    if state.worker is not None and not getattr(state.worker, "ready", True):
        output.notice("litellm is still loading (a few seconds, once per chat); the answer follows")
    try:
        with ctrl_c_cancels_answer():
            try:
                stream_turn(
                    agent,
                    session,
                    prompt,
                    state.allowance,
                    make_view(
                        raw=o.raw,
                        show_reasoning=o.show_reasoning,
                        verbose=o.tools.verbose,
                        tools=state.toolbox is not None,
                    ),
                    notice=output.notice,
                    warn=output.warn,
                    told=state.told,
                )
            except KeyboardInterrupt:
                outcome = Outcome(INTERRUPTED, exit_code=EXIT_INTERRUPTED)
            except sqlite3.OperationalError as exc:  # the store's StoreWriteError, or busy past its timeout
                outcome = Outcome(UNSAVED, _not_saved(state, exc), exit_code=EXIT_BAD_INPUT)
            except BudgetExceeded as exc:
                outcome = Outcome(STOPPED, exc.message, exit_code=exc.exit_code)
            except LoopStopped as exc:  # --max-steps or a repeated failure: what the tools did is saved
                outcome = Outcome(LOOP_STOPPED, exc.message, exit_code=exc.exit_code)
            except SessionDeleted as exc:
                text = "".join(m.content or "" for m in session.messages[count:] if m.role == "assistant")
                outcome = Outcome(DELETED, exc.message, exit_code=exc.exit_code, unsaved=text)
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
    if outcome.status == UNSAVED:
        state.unsaved = outcome.message
    elif began:  # this turn's save took everything the chat holds
        state.unsaved = None
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


def _not_saved(state: ChatState, exc: sqlite3.OperationalError) -> str:
    """What ended the turn (a provider error, say), then what the store did not take."""
    from appam_cli.store.db import save_failure, what_ended_the_turn

    where = getattr(state.store, "path", None)
    last = state.session.messages[-1] if state.session.messages else None
    answered = last is not None and last.role == "assistant" and bool(last.content or last.tool_calls)
    cause = what_ended_the_turn(exc)
    first = f"{cause.message} · " if isinstance(cause, AppamError) else ""
    what = "the answer was NOT saved" if answered else "this exchange was NOT saved"
    return f"{first}{what}: {save_failure(exc)}" + (f" ({where})" if where else "")


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
        elif outcome.kept:
            output.notice("your message is kept · /retry sends it again")
        else:  # it never left the machine: nothing of the turn was kept
            output.notice("nothing was sent (Up brings the message back)")
    elif outcome.status == DELETED:
        text = outcome.unsaved
        output.error(
            f"{outcome.message}: the answer was not saved" + (", its text follows" if text else "")
            + " · /new starts a new session"
        )
        if text:
            from appam_cli.render.environment import environment

            environment().text(text)
    elif outcome.status == UNSAVED:
        output.error(outcome.message or "the answer was NOT saved")
        output.notice("it stays in this chat: the next turn saves it, if the store can take it again")
    elif outcome.status == LOOP_STOPPED:
        output.warn(outcome.message or "stopped")
        output.notice("send a message to go on (the tool results so far are in the conversation)")
    elif outcome.status in (STOPPED, REFUSED):
        output.warn(outcome.message or "stopped")
