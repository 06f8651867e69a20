"""The lines around an answer on stderr: notices and the usage footer."""

from __future__ import annotations

from appam_cli.models import Session


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_notice(text: str) -> None:
    from rich.markup import escape

    _stderr().print(f"[dim]{escape(text)}[/]")


def print_footer(session: Session, *, saved: bool, incomplete: bool = False) -> None:
    """``session 1a2b3c4d · 12 in / 40 out tokens · $0.0001 · 1 request`` on stderr."""
    from rich.markup import escape

    console = _stderr()
    if incomplete:
        console.print(
            "[bold yellow]appam:[/] the answer was cut off before the model finished; "
            + ("saved it as incomplete" if saved else "it was not saved (--no-save)")
        )
    usage = session.usage.format_display() if session.usage else "no usage reported"
    where = f"session {session.session_id[:8]}" if saved else "not saved"
    console.print(f"[dim]{escape(where)} · {escape(usage)}[/]")
