"""Turning expected failures into one line on stderr and an exit code."""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click
import typer

from appam_cli.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    AppamError,
    Terminated,
)
from appam_cli.render.environment import Environment, environment

F = TypeVar("F", bound=Callable[..., Any])


def debug_enabled(debug: object = False) -> bool:
    """``--debug`` as the command parsed it, or ``APPAM_DEBUG`` set."""
    return debug is True or os.environ.get("APPAM_DEBUG", "") not in ("", "0")


def debug_notice(text: str) -> None:
    """A line on stderr that only ``--debug`` asks for (the caller decides)."""
    environment().notice(text)


def store_failure(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the session store is busy: another appam process held it too long; try again"
    return f"the session store failed: {text}"


def _print_traceback(env: Environment, exc: BaseException) -> None:
    """``--debug``: the traceback, with every line scrubbed of keys (a provider's error body may
    echo the key it was sent, and litellm's messages keep it)."""
    import traceback

    from appam_cli.providers.errors import scrub

    for chunk in traceback.format_exception(exc):
        env.stderr.write(scrub(chunk))
    env.stderr.flush()


def _unexpected(env: Environment, exc: BaseException) -> None:
    from appam_cli.providers.errors import scrub

    _print_traceback(env, exc)
    env.error(f"unexpected error: {scrub(str(exc) or type(exc).__name__)}")
    raise typer.Exit(EXIT_BAD_INPUT) from None


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def handle_errors(fn: F) -> F:
    """Wrap a command: AppamError -> its message and exit code; Ctrl-C -> 130; SIGTERM -> 143.

    With the command's ``--debug`` (or ``APPAM_DEBUG``) a failure also shows its traceback, scrubbed
    of keys like every other line, and still exits with its own code.
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
                _print_traceback(env, exc)
            env.error(exc.message)
            raise typer.Exit(exc.exit_code) from None
        except UnicodeEncodeError as exc:
            # Undecodable bytes in an argument (Python keeps them as lone surrogates) that reached
            # a place no check caught: still one line, not a traceback.
            if "surrogates" not in str(exc):
                if debug:
                    _unexpected(env, exc)
                raise
            if debug:
                _print_traceback(env, exc)
            env.error("an argument holds bytes that are not UTF-8 text")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except sqlite3.Error as exc:  # the store failed under us (locked past the busy timeout, disk full…)
            if debug:
                _print_traceback(env, exc)
            env.error(store_failure(exc))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            env.error("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            env.error("terminated")
            raise typer.Exit(EXIT_TERMINATED) from None
        except Exception as exc:  # a bug: Python prints it, unless --debug asked us to
            if debug and not isinstance(exc, (typer.Exit, click.exceptions.Exit, click.exceptions.ClickException,
                                               click.exceptions.Abort)):
                _unexpected(env, exc)
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return cast(F, wrapper)
