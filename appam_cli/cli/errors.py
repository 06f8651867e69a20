"""Turning expected failures into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import sys
from typing import Any, Callable, TypeVar

import typer

from appam_cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, AppamError

F = TypeVar("F", bound=Callable[..., Any])


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (saving what we have), then exit 143."""


def debug_enabled() -> bool:
    return "--debug" in sys.argv or os.environ.get("APPAM_DEBUG", "") not in ("", "0")


def print_error(message: str) -> None:
    """One clear line on stderr."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]appam:[/] {escape(message)}")


def store_failure(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the session store is busy: another appam process held it too long; try again"
    return f"the session store failed: {text}"


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def handle_errors(fn: F) -> F:
    """Wrap a command: AppamError -> its message and exit code; Ctrl-C -> 130; SIGTERM -> 143."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread (some test runners)
            previous = None
        try:
            return fn(*args, **kwargs)
        except AppamError as exc:
            if debug_enabled():
                raise
            print_error(exc.message)
            raise typer.Exit(exc.exit_code) from None
        except sqlite3.Error as exc:  # the store failed under us (locked past the busy timeout, disk full…)
            if debug_enabled():
                raise
            print_error(store_failure(exc))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            print_error("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            print_error("terminated")
            raise typer.Exit(EXIT_TERMINATED) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]
