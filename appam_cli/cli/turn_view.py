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

from appam_cli.agent.session_turn import TurnSpec, open_toolbox, prepare_agent, stream_turn
from appam_cli.agent.spending import Allowance
from appam_cli.agent.store import SessionStore
from appam_cli.cli.unsaved import report_deleted, report_unsaved, store_failure_reason
from appam_cli.config import Settings
from appam_cli.datamodel import MessageStatus
from appam_cli.errors import (
    EXIT_INCOMPLETE,
    EXIT_OK,
    AnswerInvalid,
    BudgetExceeded,
    LoopStopped,
    ProviderError,
    SessionDeleted,
    UserError,
)
from appam_cli.render.code_blocks import extracted

if TYPE_CHECKING:
    from appam_cli.agent.agent import Agent
    from appam_cli.agent.structured import AnswerSchema
    from appam_cli.datamodel import Session
    from appam_cli.providers import ProviderBackend
    from appam_cli.render.environment import Environment
    from appam_cli.tools.toolbox import Toolbox


@dataclass
class Presentation:
    raw: bool = False  # plain text as it arrives
    json_output: bool = False  # only the saved Session as JSON, no view
    show_usage: bool = False  # --usage: the detailed breakdown after the footer
    extract: bool = False  # -x: only the answer's fenced code blocks, once it is complete
    schema: AnswerSchema | None = None  # --schema: the answer checked, printed as JSON

    @property
    def live(self) -> bool:
        """The answer is shown as it streams (not when only a part of it, or JSON, goes to stdout)."""
        return not (self.json_output or self.extract or self.schema is not None)


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
    from appam_cli.render.environment import environment

    env = environment()
    session = open_history(settings).load_session(session_id) if session_id else None
    toolbox = open_tools(settings, spec)
    try:
        agent = prepare_agent(settings, history, spec, allowance, session=session, backend=backend, warn=env.warn)
        if session is None:
            session = agent.new_session()
        return _run(agent, settings, history, spec, allowance, prompt, show, session, env)
    finally:
        if toolbox is not None:
            toolbox.close()  # MCP servers the run started


def open_tools(settings: Settings, spec: TurnSpec) -> Toolbox | None:
    """The run's tools (-T, --tools-file) and who approves their side effects: --yes, the config's
    list, else the user asked on the terminal (none: denied). None without tools."""
    from appam_cli.render.environment import environment

    toolbox = open_toolbox(settings, spec.tools, warn=environment().warn)
    if toolbox is None:
        return None
    from appam_cli.cli.approval_prompt import approval_policy

    spec.toolbox = toolbox
    spec.approver = approval_policy(settings, approve_all=spec.tools.approve_all)
    return toolbox


def _run(
    agent: Agent,
    settings: Settings,
    history: SessionStore,
    spec: TurnSpec,
    allowance: Allowance,
    prompt: str,
    show: Presentation,
    session: Session,
    env: Environment,
) -> int:
    from appam_cli.render import make_view
    from appam_cli.render.footer import print_footer, print_usage_details, turn_usage

    before = len(session.requests)
    count = len(session.messages)
    view = make_view(raw=show.raw, verbose=spec.tools.verbose, tools=bool(spec.toolbox)) if show.live else None
    try:
        stream_turn(
            agent,
            session,
            prompt,
            allowance,
            view,
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
        if isinstance(exc, LoopStopped):  # --max-steps or a repeated failure: exit 4, the reason follows
            if show.json_output:
                sys.stdout.write(json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n")
            print_footer(session, saved=spec.save, usage=turn_usage(session.requests[before:]))
            raise
        if spec.save and sent and session.messages:
            env.notice(f"saved what arrived in session {session.session_id}")
        raise

    if show.json_output:
        sys.stdout.write(json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n")
    answer = session.messages[-1] if session.messages else None
    incomplete = answer is not None and answer.role == "assistant" and answer.status != MessageStatus.COMPLETED
    usage = turn_usage(session.requests[before:])
    invalid = None
    if show.schema is not None and not incomplete:
        try:
            print_json(show.schema.check(answer.content or "" if answer is not None else ""), env.stdout)
        except AnswerInvalid as exc:
            invalid = exc
    found = show.extract and print_extract(
        answer.content if answer is not None and answer.role == "assistant" else None, env.stdout
    )
    print_footer(session, saved=spec.save, incomplete=incomplete, usage=usage)
    if show.show_usage:
        print_usage_details(usage, session.requests[before:])
    if invalid is not None:  # the answer is saved as it arrived; stdout holds nothing
        what = f"; saved as it arrived in session {session.session_id[:8]}" if spec.save else ""
        raise AnswerInvalid(invalid.message + what)
    if show.extract and not found and not incomplete:
        raise UserError(NO_CODE_BLOCK)  # nothing on stdout: a pipe never gets prose instead of code
    return EXIT_INCOMPLETE if incomplete else EXIT_OK


NO_CODE_BLOCK = "the answer holds no fenced code block (appam last prints it whole)"


def print_json(value, out) -> None:
    """--schema: the answer's value as indented JSON (made safe on a terminal)."""
    from appam_cli.render.environment import is_terminal

    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    if is_terminal(out):
        from appam_cli.render.safe_text import safe_text

        text = safe_text(text)
    out.write(text)
    out.flush()


def print_extract(text: str | None, out) -> bool:
    """-x: the fenced code blocks of ``text`` on ``out`` (made safe on a terminal); False when it has none."""
    from appam_cli.render.environment import is_terminal

    blocks = extracted(text or "")
    if blocks is None:
        return False
    if is_terminal(out):
        from appam_cli.render.safe_text import safe_text

        blocks = safe_text(blocks)
    out.write(blocks)
    out.flush()
    return True


def history_path(history: SessionStore) -> Path:
    """Where the store is, to name it in a message."""
    return Path(getattr(history, "path", "the session store"))
