"""The interactive chat: ``appam chat``, ``appam chat -c/--session ID``, ``appam continue ID``.

One module per concept (as aichat keeps its ``repl/``):

    state.py        what the chat knows: settings, the store, the session, model, switches
    commands.py     the slash commands: names, help, parsing, hints for typos
    handler.py      what each slash command does; plain text becomes a turn
    turns.py        one turn: the same live view as ``appam run``, Ctrl-C cancels just the answer
    approval.py     the chat's tools, and asking whether a tool call may run while the chat runs
    interrupts.py   Ctrl-C while an answer streams
    prompt.py       the prompt-toolkit PromptSession: input history, toolbar, completion, keys
    keys.py         key bindings: Enter sends, Esc-Enter / Alt-Enter / Ctrl-J a new line
    completer.py    Tab completion of slash commands and their arguments
    toolbar.py      the bottom toolbar: model, session, tokens, cost, context used
    input_history.py  the input history file (data dir, mode 0600)
    background.py   what starts once the prompt is drawn: the provider worker, the price map
    clipboard.py    ``/copy``
    editor.py       ``/edit``
    output.py       notices, warnings and errors between turns
    banners.py      the opening line, and the session id and usage at the end
    interactive.py  the loop on a terminal
    scripted.py     the loop when stdin is not a terminal: one line, one turn

Importing this package is cheap; prompt_toolkit, Rich and the store load inside functions.
"""

from __future__ import annotations

import sys

from appam_cli.render.environment import environment
from appam_cli.repl.state import ChatOptions


def run_repl(settings, history, *, session_id: str | None = None, model: str | None = None,
             options: ChatOptions | None = None) -> int:
    """Open the chat on a new session (or on ``session_id``); returns the exit code.

    On a terminal it is the interactive REPL; with stdin or stdout redirected each
    input line is one turn and the answers are printed plain (scriptable).
    """
    from appam_cli.repl.state import ChatState

    options = options or ChatOptions()
    if model:
        options.model = model
    state = ChatState.open(settings, history, session_id, options)
    interactive = environment().interactive
    if options.tools.wanted:
        from appam_cli.repl.approval import open_chat_tools

        open_chat_tools(state, interactive=interactive)  # UserError (exit 1) for an unknown tool
    try:
        if interactive:
            from appam_cli.repl.interactive import run_interactive

            return run_interactive(state)
        from appam_cli.repl.scripted import run_scripted

        return run_scripted(state, sys.stdin)
    finally:
        if state.toolbox is not None:
            state.toolbox.close()


__all__ = ["ChatOptions", "run_repl"]
