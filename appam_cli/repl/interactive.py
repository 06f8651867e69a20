"""The chat on a terminal: prompt, command or turn, repeat; Ctrl-D or /exit leaves."""

from __future__ import annotations

from appam_cli.repl.banners import farewell, greet
from appam_cli.repl.handler import EXIT, RETRY, SEND, handle_line
from appam_cli.repl.keys import CtrlCOnEmptyLine
from appam_cli.repl.state import ChatState
from appam_cli.repl.turns import COMPLETED, report, run_chat_turn


def run_interactive(state: ChatState) -> int:
    from appam_cli.repl.background import Background
    from appam_cli.repl.prompt import ChatPrompt

    background = Background(state)
    background.install()
    try:
        prompt = ChatPrompt(state, on_first_draw=background.start)
        greet(state)
        while True:
            try:
                text = prompt.read()
            except CtrlCOnEmptyLine:
                from appam_cli.repl import output

                output.notice("Ctrl-D or /exit to leave")
                continue
            except KeyboardInterrupt:  # Ctrl-C at the prompt: the line is dropped
                continue
            except EOFError:  # Ctrl-D
                break
            action = handle_line(state, text)
            if action.kind == EXIT:
                break
            if action.kind in (SEND, RETRY):
                if action.echo:
                    echo(action.text or "")
                outcome = run_chat_turn(state, action.text if action.kind == SEND else None)
                if outcome.status != COMPLETED:
                    report(state, outcome)
                print()
    finally:
        background.stop()
    farewell(state)
    return 0


def echo(text: str) -> None:
    """A message that came from elsewhere (the editor), shown as if typed at the prompt."""
    from rich.text import Text

    from appam_cli.repl import output

    lines = text.split("\n")
    shown = Text("> ", style="bold cyan") + Text(lines[0])
    for line in lines[1:]:
        shown += Text("\n. ", style="bright_black") + Text(line)
    output.show(shown)
