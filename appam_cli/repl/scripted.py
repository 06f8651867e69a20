"""The chat without a terminal: ``appam chat < script.txt`` or ``… | appam chat``.

Each input line is one turn (slash commands work too); the answers are printed
as plain text on stdout, notices and errors on stderr. The first turn that does
not complete stops the script, with that turn's exit code (3 provider error,
4 answer cut off, 5 cost limit, 130 Ctrl-C); otherwise 0 at the end of input.
"""

from __future__ import annotations

from typing import TextIO

from appam_cli.errors import EXIT_OK
from appam_cli.repl import output
from appam_cli.repl.banners import farewell
from appam_cli.repl.handler import EXIT, RETRY, SEND, handle_line
from appam_cli.repl.state import ChatState
from appam_cli.repl.turns import COMPLETED, report, run_chat_turn


def run_scripted(state: ChatState, stream: TextIO) -> int:
    from appam_cli.agent.backend_choice import start_backend

    # The worker connects (or litellm loads here) while the first line is read.
    state.worker = start_backend(state.settings, model=state.model, debug=state.options.debug, notice=output.notice)
    state.options.raw = True
    code = EXIT_OK
    for number, line in enumerate(stream, 1):
        action = handle_line(state, line.rstrip("\r\n"))
        if action.kind == EXIT:
            break
        if action.kind not in (SEND, RETRY):
            continue
        outcome = run_chat_turn(state, action.text if action.kind == SEND else None)
        if outcome.status != COMPLETED:
            report(state, outcome)
            output.error(f"stopped at line {number} of the input")
            code = outcome.exit_code or 1
            break
    farewell(state)
    return code
