"""The line the chat opens with and the lines it closes with."""

from __future__ import annotations

import sys

from appam_cli.render.columns import wrap_parts
from appam_cli.repl.state import ChatState

_DIM, _RESET = "\x1b[2m", "\x1b[0m"


def greet(state: ChatState) -> None:
    """One dim line before the first prompt (plain ANSI: Rich is not loaded yet), broken between
    its parts, never inside one, when the screen is narrower than the line."""
    import shutil

    s = state.session
    keys = ["Enter sends", "Esc-Enter new line", "/help", "Ctrl-D quits"]
    if s.messages:
        title = " ".join((s.title or "").split())
        title = f' "{title[:37] + "…" if len(title) > 38 else title}"' if title else ""
        parts = [f"continuing {s.session_id[:8]}{title}", f"{len(s.messages)} messages", state.model]
        keys = keys[2:]
    else:
        parts = ["appam chat", state.model]
    if not state.options.save:
        parts.append("new turns not saved (--no-save)" if s.messages else "not saved (--no-save)")
    width = shutil.get_terminal_size().columns
    for line in wrap_parts(parts + keys, width):
        sys.stdout.write(f"{_DIM}{line}{_RESET}\n")
    if s.messages:
        sys.stdout.write(last_exchange(s, width))
    sys.stdout.flush()


QUESTION_LINES, ANSWER_LINES = 2, 6


def last_exchange(session, width: int, *, styled: bool = True) -> str:
    """The session's last question and answer, shortened, as the chat shows a reopened session:
    ``> question`` (cyan, at most two lines), the answer as plain text (at most six lines), and
    a dim line saying how much was left out and where to read it all. Text from the store is
    made safe for the terminal. Empty when the session has no question."""
    from appam_cli.render.safe_text import safe_text

    messages = session.messages
    index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "user"), None)
    if index is None:
        return ""
    answer = "\n\n".join(
        m.content.strip() for m in messages[index + 1:] if m.role == "assistant" and (m.content or "").strip()
    )

    def lines_of(text: str, limit: int, indent: int, *, blank: bool = True) -> tuple[list[str], bool]:
        rows = [line.rstrip().expandtabs(4) for line in safe_text(text.strip()).split("\n")]
        rows = [r for i, r in enumerate(rows) if (blank and (r or rows[i - 1])) or r]  # no blank runs
        room = max(8, width - indent)
        cut = [_cut(r, room) for r in rows[:limit]]
        return cut, len(rows) > limit or any(c != r for c, r in zip(cut, rows, strict=False))

    dim, reset, cyan, grey = (_DIM, _RESET, "\x1b[1;36m", "\x1b[90m") if styled else ("", "", "", "")
    question, q_cut = lines_of(messages[index].content or "", QUESTION_LINES, 2, blank=False)
    out = [f"{cyan}>{reset} {question[0]}"] + [f"{grey}.{reset} {line}" for line in question[1:]]
    a_cut = False
    if answer:
        shown, a_cut = lines_of(answer, ANSWER_LINES, 0)
        out += shown
    else:
        out.append(f"{dim}(no answer yet){reset}")
    if q_cut or a_cut:
        out.append(f"{dim}… shortened; all of it: appam sessions show {session.session_id[:8]}{reset}")
    return "\n".join(out) + "\n\n"


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


def _cells(char: str) -> int:
    import unicodedata

    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _cut(text: str, room: int) -> str:
    """``text`` in at most ``room`` terminal cells (wide characters count two), "…" when cut."""
    if sum(_cells(c) for c in text) <= room:
        return text
    used, out = 0, []
    for char in text:
        used += _cells(char)
        if used > room - 1:
            break
        out.append(char)
    return "".join(out) + "…"
