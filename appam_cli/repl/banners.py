"""The line the chat opens with and the lines it closes with."""

from __future__ import annotations

import sys

from appam_cli.repl.state import ChatState

_DIM, _RESET = "\x1b[2m", "\x1b[0m"


def greet(state: ChatState) -> None:
    """One dim line before the first prompt (plain ANSI: Rich is not loaded yet)."""
    s = state.session
    keys = "Enter sends · Esc-Enter new line · /help · Ctrl-D quits"
    if s.messages:
        title = " ".join((s.title or "").split())
        title = f' "{title[:37] + "…" if len(title) > 38 else title}"' if title else ""
        head = f"continuing {s.session_id[:8]}{title} · {len(s.messages)} messages · {state.model}"
        keys = "/help · Ctrl-D quits"
    else:
        head = f"appam chat · {state.model}" + ("" if state.options.save else " · not saved (--no-save)")
    sys.stdout.write(f"{_DIM}{head} · {keys}{_RESET}\n")
    sys.stdout.flush()


def farewell(state: ChatState) -> None:
    """The session id and its usage (on stderr, like ``appam run``'s footer)."""
    from appam_cli.render.footer import print_footer
    from appam_cli.repl import output

    session = state.session
    if not session.messages:
        output.notice("nothing said, nothing saved")
        return
    saved = state.persisted and state.saving and state.unsaved is None
    if state.unsaved:
        output.error(f"{state.unsaved}: the end of this chat is not in the store")
    print_footer(session, saved=saved)
    if saved:
        output.notice(f"continue it with: appam continue {session.session_id[:8]}")
