"""Turning expected failures into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar, cast

import typer

from appam_cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    AppamError,
    Terminated,
)
from appam_cli.render.environment import environment

F = TypeVar("F", bound=Callable[..., Any])


def debug_enabled(debug: object = False) -> bool:
    """``--debug`` as the command parsed it, or ``APPAM_DEBUG`` set."""
    return debug is True or os.environ.get("APPAM_DEBUG", "") not in ("", "0")


def store_failure(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the session store is busy: another appam process held it too long; try again"
    return f"the session store failed: {text}"


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def handle_errors(fn: F) -> F:
    """Wrap a command: AppamError -> its message and exit code; Ctrl-C -> 130; SIGTERM -> 143.

    With the command's ``--debug`` (or ``APPAM_DEBUG``) an expected failure shows its traceback.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        env = environment()
        debug = debug_enabled(kwargs.get("debug", False))
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread (some test runners)
            previous = None
        try:
            return fn(*args, **kwargs)
        except AppamError as exc:
            if debug:
                raise
            env.error(exc.message)
            raise typer.Exit(exc.exit_code) from None
        except UnicodeEncodeError as exc:
            # Undecodable bytes in an argument (Python keeps them as lone surrogates) that reached
            # a place no check caught: still one line, not a traceback.
            if debug or "surrogates" not in str(exc):
                raise
            env.error("an argument holds bytes that are not UTF-8 text")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except sqlite3.Error as exc:  # the store failed under us (locked past the busy timeout, disk full…)
            if debug:
                raise
            env.error(store_failure(exc))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            env.error("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            env.error("terminated")
            raise typer.Exit(EXIT_TERMINATED) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return cast(F, wrapper)
