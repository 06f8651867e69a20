"""The chat prompt: a prompt-toolkit PromptSession with our history, keys, completion, toolbar.

Multi-line editing is on (so a paste or Esc-Enter keeps its new lines) while
Enter sends (keys.py). ``on_first_draw`` runs once, right after the prompt is
first on screen: the moment to start the slow things (background.py).
"""

from __future__ import annotations

from collections.abc import Callable

from appam_cli.repl.state import ChatState

PROMPT = "> "
CONTINUATION = ". "
STYLE = {
    "prompt": "bold ansicyan",
    "continuation": "ansibrightblack",
    "bottom-toolbar": "noreverse bg:#262626 #bcbcbc",
    "completion-menu.meta.completion": "bg:#444444 #bcbcbc",
}


def _columns() -> int | None:
    """The width of the screen the prompt is drawn on."""
    from prompt_toolkit.application import get_app

    try:
        return get_app().output.get_size().columns
    except Exception:
        return None


class ChatPrompt:
    def __init__(self, state: ChatState, on_first_draw: Callable[[object], None] | None = None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.styles import Style

        from appam_cli.repl.completer import SlashCompleter
        from appam_cli.repl.input_history import input_history
        from appam_cli.repl.keys import chat_key_bindings
        from appam_cli.repl.toolbar import toolbar_text

        self.state = state
        self.session: PromptSession[str] = PromptSession(
            message=[("class:prompt", PROMPT)],
            multiline=True,
            prompt_continuation=lambda width, line_number, wrap_count: [
                ("class:continuation", CONTINUATION.rjust(width))
            ],
            key_bindings=chat_key_bindings(),
            history=input_history(),
            completer=SlashCompleter(state),
            complete_while_typing=True,
            bottom_toolbar=lambda: toolbar_text(state, _columns()),
            enable_open_in_editor=True,
            style=Style.from_dict(STYLE),
            include_default_pygments_style=False,
            tempfile_suffix=".md",
        )
        self._on_first_draw = on_first_draw
        if on_first_draw is not None:
            self.session.app.after_render += self._first_draw

    def _first_draw(self, app) -> None:
        self.session.app.after_render -= self._first_draw
        callback, self._on_first_draw = self._on_first_draw, None
        if callback is not None:
            callback(app)

    def read(self) -> str:
        """The next input. KeyboardInterrupt: Ctrl-C (the line is dropped); EOFError: Ctrl-D.

        SIGTERM while the prompt is up ends it through the event loop (raising from the
        signal handler inside one of the loop's callbacks would only be logged there), so
        it leaves prompt() as ``Terminated`` and the command exits 143.
        """
        import signal

        from appam_cli.errors import Terminated

        app = self.session.app

        def on_sigterm(signum, frame) -> None:
            loop = app.loop
            if loop is None or loop.is_closed() or not app.is_running:
                raise Terminated()

            def leave() -> None:
                if app.is_running and not app.is_done:
                    app.exit(exception=Terminated())

            loop.call_soon_threadsafe(leave)

        try:
            previous = signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # not the main thread
            return self.session.prompt()
        try:
            return self.session.prompt()
        finally:
            signal.signal(signal.SIGTERM, previous)
