"""Search hits as the user reads them: one block per hit, best first.

    1a2b3c4d #4 assistant · why is the sky blue? · 2026-11-25 14:01
      …short wavelengths such as **blue** scatter more…

On a terminal the matched words are bold yellow; in a pipe the text is plain
(``--json`` gives their offsets). Control characters in titles and snippets are
shown visibly (`safe_text`), never written raw.
"""

from __future__ import annotations

from appam_cli.datamodel.search_hit import MARK_END, MARK_START, SearchHit, marked
from appam_cli.render.safe_text import safe_text


def _snippet_text(snippet: str, styled: bool):
    from rich.text import Text

    flat = " ".join(snippet.split())
    if not styled:
        return Text(safe_text(marked(flat, "", "")))
    text = Text()
    for i, part in enumerate(flat.replace(MARK_END, MARK_START).split(MARK_START)):  # the marks are controls too
        text.append(safe_text(part), style="bold yellow" if i % 2 else None)
    return text


def print_hits(hits: list[SearchHit]) -> None:
    from rich.console import Console
    from rich.padding import Padding
    from rich.text import Text

    console = Console(highlight=False)
    styled = console.is_terminal
    for hit in hits:
        when = hit.timestamp.astimezone().strftime("%Y-%m-%d %H:%M") if hit.timestamp else "-"
        head = Text()
        head.append(hit.session_id[:8], style="cyan")
        head.append(safe_text(f" #{hit.number} {hit.role}"), style="bold")
        title = Text(safe_text(" ".join((hit.title or "").split())))
        room = console.width - head.cell_len - len(f" · {when}") - 3  # the title gives way, the date stays
        if title and room >= 4:
            title.truncate(room, overflow="ellipsis")
            head.append(" · ")
            head.append(title)
        head.append(f" · {when}", style="dim")
        console.print(head, overflow="fold")
        console.print(Padding(_snippet_text(hit.snippet, styled), (0, 0, 0, 2), expand=False))
