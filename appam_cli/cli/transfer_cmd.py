"""``appam sessions export`` and ``appam sessions import``: parse the flags, delegate to ``appam_cli.export``.

Neither command imports litellm or sqlmodel (a migration of a brand-new store aside).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

import typer

from appam_cli.cli import complete
from appam_cli.cli.errors import handle_errors

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

PROGRESS_MIN = 20  # sessions: fewer finish too fast for a bar to help


class ExportFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    openai = "openai"


def register(group: typer.Typer) -> None:
    group.command("export")(export_sessions)
    group.command("import")(import_sessions)


class _Bar:
    """A transient Rich progress bar on stderr, shown only for a file, many sessions and a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if not console.is_interactive:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task = self.progress.add_task("export", total=total)
        self.progress.start()

    def advance(self) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@handle_errors
def export_sessions(
    session_ids: list[str] | None = typer.Argument(
        None,
        help="Session ids, unique prefixes (4+ characters) or `last`.",
        metavar="ID",
        show_default=False,
        autocompletion=complete.session_ids,
    ),
    all_: bool = typer.Option(False, "--all", help="Export every session, oldest first."),
    since: str | None = typer.Option(
        None, "--since", metavar="WHEN", help="Only sessions active since then: 7d, 2h, 2026-11-01 (implies --all)."
    ),
    fmt: ExportFormat = typer.Option(
        ExportFormat.json, "--format", "-f", help="json, jsonl (one session per line), markdown or openai (messages)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.", dir_okay=False
    ),
) -> None:
    """Export sessions as json, jsonl, a Markdown transcript or OpenAI messages.

    json: one id gives one Session object; several ids, --all or --since give a list.
    openai: one id gives the messages array; otherwise one {"messages": [...]} per line.
    """
    from appam_cli.cli.context import open_history, settings_with
    from appam_cli.export.exporter import export, open_output, select, to_stdout
    from appam_cli.render.environment import environment

    point = None
    if since is not None:
        from appam_cli.cli.timespec import parse_point

        point = parse_point(since)
    history = open_history(settings_with())
    selection = select(history, session_ids or [], all_=all_, since=point)
    to_file = not to_stdout(output)
    bar = _Bar(enabled=to_file)
    try:
        with open_output(output) as out:
            if fmt is ExportFormat.markdown and not to_file and environment().stdout_isatty:
                out = _on_terminal(out)
            count = export(history, selection, fmt.value, out, on_start=bar.start, on_session=bar.advance)
    except BrokenPipeError:  # `appam sessions export --all | head`: the reader left, that is fine
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    finally:
        bar.stop()
    if to_file:
        typer.echo(f"exported {_plural(count, 'session')} to {output}", err=True)


def _on_terminal(out: TextIO) -> TextIO:
    """A transcript on a terminal is data: its control characters are shown, not sent."""
    from appam_cli.render.safe_text import SafeWriter

    return cast(TextIO, SafeWriter(out))


@handle_errors
def import_sessions(
    file: str | None = typer.Argument(
        None,
        help="A json or jsonl file written by `sessions export`; `-` reads stdin.",
        metavar="FILE",
        show_default=False,
    ),
    from_llm: Path | None = typer.Option(
        None,
        "--from-llm",
        metavar="PATH",
        help="Import the conversations of an llm logs.db (see `llm logs path`).",
        dir_okay=False,
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Overwrite sessions that already exist (default: skip them)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the input and report; write nothing."),
) -> None:
    """Import sessions from an export (json or jsonl) or from an llm logs database, in one transaction."""
    from appam_cli.cli.context import open_history, settings_with
    from appam_cli.errors import EXIT_USAGE, UserError

    if (file is None) == (from_llm is None):
        raise UserError("give a FILE to import (or `-` for stdin), or --from-llm PATH", exit_code=EXIT_USAGE)
    history = open_history(settings_with(), writing=not dry_run)
    if from_llm is not None:
        from appam_cli.export.llm_import import import_llm

        result = import_llm(history, from_llm, replace=replace, dry_run=dry_run)
    else:
        from appam_cli.export.importer import import_file

        assert file is not None  # exactly one of FILE and --from-llm, checked above
        result = import_file(history, file, replace=replace, dry_run=dry_run)
    typer.echo(_summary(result, replace))


def _summary(result, replace: bool) -> str:
    if hasattr(result, "existing"):  # a dry run
        new = result.total - result.existing
        text = f"would import {_plural(new, 'session')}"
        if result.existing:
            verb = "replace" if replace else "skip"
            text += f", {verb} {_plural(result.existing, 'existing session')}"
        return text + " (dry run: nothing written)"
    text = f"imported {_plural(result.imported, 'session')}"
    if result.replaced:
        text += f", replaced {_plural(result.replaced, 'existing session')}"
    if result.skipped:
        text += f", skipped {_plural(result.skipped, 'existing session')} (--replace overwrites them)"
    return text
