"""Key bindings of the chat prompt (on top of prompt-toolkit's Emacs bindings).

Enter sends (or, with a completion chosen from the menu, takes it). Esc-Enter --
which is also what Alt-Enter sends -- and Ctrl-J insert a new line. A bracketed
paste is inserted as it is, new lines included, and sent only on Enter.
Ctrl-C drops the line; on an empty line it raises `CtrlCOnEmptyLine`, so the chat can
say how to leave. Ctrl-D (leaves on an empty line), Ctrl-R (searches the input history)
and Ctrl-X Ctrl-E (edit in $EDITOR) are prompt-toolkit's own.
"""

from __future__ import annotations


class CtrlCOnEmptyLine(KeyboardInterrupt):
    """Ctrl-C at an empty prompt: nothing to drop (someone may be trying to leave)."""


def chat_key_bindings():
    from prompt_toolkit.enums import DEFAULT_BUFFER
    from prompt_toolkit.filters import has_focus
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()
    focused = has_focus(DEFAULT_BUFFER)

    @bindings.add("enter", filter=focused)
    def _send(event) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.complete_state = None  # keep the chosen completion, do not send yet
            return
        buffer.validate_and_handle()

    @bindings.add("escape", "enter", filter=focused)
    @bindings.add("c-j", filter=focused)
    def _new_line(event) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c", filter=focused)
    def _interrupt(event) -> None:
        empty = not event.current_buffer.text.strip()
        event.app.exit(exception=CtrlCOnEmptyLine() if empty else KeyboardInterrupt(), style="class:aborting")

    return bindings
