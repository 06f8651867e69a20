"""Showing one turn on the command line: the answer view, the footer, the exit code.

Shared by ``run`` and ``continue``. The turn itself (the Agent, its spending limit, the
stream) is the core's (agent/session_turn.py); this module only presents it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appam_cli.agent.session_turn import TurnSpec, prepare_agent, stream_turn
from appam_cli.agent.spending import Allowance
from appam_cli.agent.store import SessionStore
from appam_cli.cli.unsaved import report_deleted, report_unsaved, store_failure_reason
from appam_cli.config import Settings
from appam_cli.datamodel import MessageStatus
from appam_cli.errors import EXIT_INCOMPLETE, EXIT_OK, BudgetExceeded, ProviderError, SessionDeleted

if TYPE_CHECKING:
    from appam_cli.providers import ProviderBackend


@dataclass
class Presentation:
    raw: bool = False  # plain text as it arrives
    json_output: bool = False  # only the saved Session as JSON, no view
    show_usage: bool = False  # --usage: the detailed breakdown after the footer


def run_turn_cli(
    settings: Settings,
    history: SessionStore,
    spec: TurnSpec,
    allowance: Allowance,
    prompt: str,
    show: Presentation,
    session_id: str | None = None,
    backend: ProviderBackend | None = None,
) -> int:
    from appam_cli.cli.context import open_history
    from appam_cli.render import make_view
    from appam_cli.render.environment import environment
    from appam_cli.render.footer import print_footer, print_usage_details, turn_usage

    env = environment()
    session = open_history(settings).load_session(session_id) if session_id else None
    agent = prepare_agent(settings, history, spec, allowance, session=session, backend=backend, warn=env.warn)
    if session is None:
        session = agent.new_session()

    before = len(session.requests)
    count = len(session.messages)
    try:
        stream_turn(
            agent,
            session,
            prompt,
            allowance,
            None if show.json_output else make_view(raw=show.raw),
            notice=env.notice,
            warn=env.warn,
        )
    except BaseException as exc:
        reason = store_failure_reason(exc) if spec.save else None
        if reason is not None:  # the store did not take the turn: never say it did
            answered = len(session.messages) > count and session.messages[-1].role == "assistant"
            sent = answered or len(session.requests) > before
            return report_unsaved(env, session, history_path(history), reason, exc, answered=answered, sent=sent)
        if isinstance(exc, ProviderError):
            raise
        if isinstance(exc, SessionDeleted):  # deleted by another command meanwhile: not recreated, nothing more saved
            return report_deleted(env, exc, session.messages[count:])
        sent = len(session.requests) > before  # else nothing of the turn was kept (agent/unsent.py)
        if isinstance(exc, BudgetExceeded) and sent:  # stopped by a cost limit: what arrived and its cost, exit 5
            print_footer(session, saved=spec.save, usage=turn_usage(session.requests[before:]))
        if spec.save and sent and session.messages:
            env.notice(f"saved what arrived in session {session.session_id}")
        raise

    if show.json_output:
        sys.stdout.write(json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n")
    answer = session.messages[-1] if session.messages else None
    incomplete = answer is not None and answer.role == "assistant" and answer.status != MessageStatus.COMPLETED
    usage = turn_usage(session.requests[before:])
    print_footer(session, saved=spec.save, incomplete=incomplete, usage=usage)
    if show.show_usage:
        print_usage_details(usage, session.requests[before:])
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


def history_path(history: SessionStore) -> Path:
    """Where the store is, to name it in a message."""
    return Path(getattr(history, "path", "the session store"))
