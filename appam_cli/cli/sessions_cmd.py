"""``appam sessions …``: list, show, search, continue, fork, rename and delete saved sessions.

Each command parses its arguments, asks ``SessionHistory`` and hands the result
to a renderer. IDs are a full id, a unique prefix of 4+ characters, or ``last``.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete, continue_cmd
from appam_cli.cli.errors import handle_errors

sessions_app = typer.Typer(help="List, show and manage saved sessions.", no_args_is_help=True)

ID_HELP = "Session id, a unique prefix of it (4+ characters), or `last`."


def _history(*, writing: bool = False):
    """The store; ``writing`` for the commands that change it (a read-only store says so at once)."""
    from appam_cli.cli.context import open_history, settings_with

    return open_history(settings_with(), writing=writing)


def _point(value: str | None):
    from appam_cli.cli.timespec import parse_point

    return parse_point(value) if value else None


def _choice(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    """``value`` if it is one of ``allowed``; else a usage error (exit 2), as Typer's own choices are."""
    from appam_cli.errors import EXIT_USAGE, UserError

    if value is not None and value not in allowed:
        raise UserError(f"invalid {option} {value!r}: use one of {', '.join(allowed)}", exit_code=EXIT_USAGE)
    return value


@sessions_app.command("list")
@handle_errors
def list_sessions(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many sessions to show."),
    all_: bool = typer.Option(False, "--all", help="Show every session."),
    agent: str | None = typer.Option(None, "--agent", help="Only sessions of this agent."),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Only sessions whose model name contains this.", autocompletion=complete.models
    ),
    since: str | None = typer.Option(None, "--since", help="Updated since: 7d, 2h, 2026-11-01."),
    until: str | None = typer.Option(None, "--until", help="Updated before: 7d, 2h, 2026-11-01."),
    status: str | None = typer.Option(
        None, "--status", help="running, completed, interrupted or failed.", autocompletion=complete.statuses
    ),
    json_output: bool = typer.Option(False, "--json", help="One JSON object per session (no messages)."),
) -> None:
    """Saved sessions, most recently updated first."""
    from appam_cli.datamodel.session import STATUSES
    from appam_cli.store.queries import SessionFilter

    where = SessionFilter(
        agent=agent, model=model, since=_point(since), until=_point(until), status=_choice(status, STATUSES, "--status")
    )
    history = _history()
    summaries = history.list_sessions(limit=None if all_ else limit, where=where)
    if json_output:
        import json

        for summary in summaries:
            typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    from appam_cli.render.session_list import print_session_list

    total = history.session_count(where) if not all_ and len(summaries) == limit else len(summaries)
    filtered = any((agent, model, since, until, status))
    print_session_list(summaries, total=total, filtered=filtered)


@sessions_app.command("show")
@handle_errors
def show_session(
    session_id: str = typer.Argument(..., help=ID_HELP, autocompletion=complete.session_ids),
    json_output: bool = typer.Option(False, "--json", help="The Session as JSON (the seed's keys)."),
    raw: bool = typer.Option(False, "--raw", help="Plain text, no Markdown rendering."),
    last: int | None = typer.Option(None, "--last", min=1, help="Only the last N messages."),
    reasoning: bool | None = typer.Option(
        None, "--reasoning/--no-reasoning", help="Show reasoning in full / hide it [default: one folded line]."
    ),
    no_pager: bool = typer.Option(False, "--no-pager", help="Never pipe the output through a pager."),
) -> None:
    """Show one session: its header, then the transcript."""
    history = _history()
    sid = history.resolve_id(session_id)
    session = history.load_session(sid, last=last)
    if json_output:
        import json

        typer.echo(json.dumps(session.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from appam_cli.cli import pager
    from appam_cli.render.transcript import TranscriptView, render_plain, render_rich

    total = history.message_count(sid) if last is not None else len(session.messages)
    view = TranscriptView(
        first_number=total - len(session.messages) + 1,
        total_messages=total,
        models=history.models_used(sid),
        parent_title=history.title_of(session.parent_id) if session.parent_id else None,
        reasoning=reasoning,
    )
    console = Console(highlight=False)
    with console.capture() as captured:
        if raw or not console.is_terminal:  # on a terminal, control characters are shown visibly
            render_plain(console, session, view, safe=console.is_terminal)
        else:
            render_rich(console, session, view)
    pager.show(captured.get(), enabled=not no_pager)


@sessions_app.command("search")
@handle_errors
def search_sessions(
    query: str = typer.Argument(..., help='Words to find; FTS5 syntax works too ("exact phrase", OR, NOT, prefix*).'),
    role: str | None = typer.Option(
        None, "--role", help="Only messages of this role: user, assistant, system, tool.", autocompletion=complete.roles
    ),
    since: str | None = typer.Option(None, "--since", help="Only messages since: 7d, 2h, 2026-11-01."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many hits to show."),
    json_output: bool = typer.Option(False, "--json", help="One JSON object per hit."),
) -> None:
    """Search message text, best matches first."""
    from appam_cli.datamodel.message import ROLES
    from appam_cli.errors import UserError
    from appam_cli.render.environment import environment

    if not query.strip():
        raise UserError("the search query is empty")
    history = _history()
    result = history.search(query, role=_choice(role, ROLES, "--role"), since=_point(since), limit=limit)
    if result.fallback:
        environment().notice("full-text search (FTS5) is not available in this SQLite: using a slower LIKE search")
    elif result.plain_words:
        environment().notice("the query is not FTS5 syntax: searched for its words as plain text")
    if json_output:
        import json

        for hit in result.hits:
            typer.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        return
    if not result.hits:
        typer.echo(f"No messages match {query!r}.")
        return
    from appam_cli.render.search_hits import print_hits

    print_hits(result.hits)


@sessions_app.command("delete")
@handle_errors
def delete_sessions(
    session_ids: list[str] | None = typer.Argument(
        None, help=ID_HELP + " Several may be given.", autocompletion=complete.session_ids
    ),
    older_than: str | None = typer.Option(
        None, "--older-than", help="Sessions not updated for this long: 30d, 12h, 2w."
    ),
    all_: bool = typer.Option(False, "--all", help="Every session."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False, "--force", help="Delete a session even while another appam is answering it (that answer is lost)."
    ),
) -> None:
    """Delete sessions (their usage stays in the ledger).

    A session another appam is answering now is not deleted without --force: named by id,
    nothing is deleted; picked by --older-than or --all, it is kept and the others go.
    """
    from appam_cli.errors import EXIT_USAGE, UserError

    chosen = sum((bool(session_ids), older_than is not None, all_))
    if chosen != 1:
        raise UserError(
            "name the sessions to delete: IDs, --older-than DURATION or --all (one of them)", exit_code=EXIT_USAGE
        )
    history = _history(writing=True)
    if session_ids:
        targets = history.resolve_ids(session_ids)
    else:
        from appam_cli.cli.timespec import parse_duration
        from appam_cli.datamodel.times import utcnow
        from appam_cli.store.queries import SessionFilter

        where = SessionFilter(until=utcnow() - parse_duration(older_than)) if older_than else None
        targets = history.session_ids(where)
    if not targets:
        typer.echo("No sessions to delete.")
        return
    if not yes:
        _confirm_delete(history, targets)
    result = history.delete_sessions(targets, force=force, skip_busy=not session_ids)
    deleted = result.deleted
    typer.echo(f"Deleted {deleted} session{'s' if deleted != 1 else ''} (their usage stays in the ledger).")
    if result.kept:
        from appam_cli.render.environment import environment

        kept = len(result.kept)
        environment().notice(
            f"kept {kept} session{'s' if kept != 1 else ''} another appam is answering now "
            f"({', '.join(sid[:8] for sid in result.kept[:5])}); --force deletes {'them' if kept != 1 else 'it'} too"
        )


def _confirm_delete(history, targets: list[str]) -> None:
    from appam_cli.errors import UserError
    from appam_cli.render.environment import environment

    what = f"{len(targets)} session{'s' if len(targets) != 1 else ''}"
    if not environment().stdin_isatty:
        raise UserError(f"refusing to delete {what} without confirmation: add --yes")
    for sid in targets[:10]:
        typer.echo(f"  {sid[:8]}  {' '.join((history.title_of(sid) or '').split())[:60]}", err=True)
    if len(targets) > 10:
        typer.echo(f"  … and {len(targets) - 10} more", err=True)
    if not typer.confirm(f"Delete {what} and their messages?", default=False, err=True):
        raise UserError("nothing deleted")


@sessions_app.command("rename")
@handle_errors
def rename_session(
    session_id: str = typer.Argument(..., help=ID_HELP, autocompletion=complete.session_ids),
    title: str = typer.Argument(..., help="The new title."),
) -> None:
    """Give a session a title of its own."""
    from appam_cli.errors import UserError

    title = " ".join(title.split())
    if not title:
        raise UserError("the new title is empty")
    history = _history(writing=True)
    sid = history.resolve_id(session_id)
    history.rename_session(sid, title)
    typer.echo(f"Renamed {sid[:8]}: {title}")


@sessions_app.command("confirm-api-base")
@handle_errors
def confirm_api_base(session_id: str = typer.Argument(..., help=ID_HELP, autocompletion=complete.session_ids)) -> None:
    """Continue an imported session at the API base its file names (not used until confirmed)."""
    from appam_cli.errors import UserError

    history = _history(writing=True)
    sid = history.resolve_id(session_id)
    url = history.confirm_api_base(sid)
    if url is None:
        raise UserError(f"session {sid[:8]} has no imported API base to confirm")
    typer.echo(f"Session {sid[:8]} continues at {url}")


@sessions_app.command("fork")
@handle_errors
def fork_session(
    session_id: str = typer.Argument(..., help=ID_HELP, autocompletion=complete.session_ids),
    at: int | None = typer.Option(
        None, "--at", min=1, help="Keep the first N messages (as numbered by `show`) [default: all]."
    ),
    title: str | None = typer.Option(
        None, "--title", help="Title of the new session [default: the parent's + (fork)]."
    ),
) -> None:
    """Copy a session into a new one that remembers its parent."""
    history = _history(writing=True)
    sid = history.resolve_id(session_id)
    fork = history.fork_session(sid, at=at, title=" ".join(title.split()) if title else None)
    count = len(fork.messages)
    typer.echo(f"Forked {sid[:8]} ({count} message{'' if count == 1 else 's'}) into {fork.session_id}")


sessions_app.command("continue")(continue_cmd.continue_session)
