"""What every answer view does as a context manager: start, then finish or abort."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar

from appam_cli.errors import AppamError, BudgetExceeded

INTERRUPTED_NOTE = "[interrupted]"


class ViewLifecycle(Protocol):
    """What a view must have for ViewContext to drive it."""

    def start(self) -> None: ...

    def finish(self) -> None: ...

    def abort(self, note: str | None = None) -> None: ...


_View = TypeVar("_View", bound=ViewLifecycle)


class ViewContext:
    """Mixed into a view that has start(), finish() and abort(note) (the ViewLifecycle protocol).

    How the turn ended decides how the view ends: normally, or stopped by a cost limit
    (the partial answer is shown as it is), it finishes; an expected failure aborts it
    quietly (its one-line error follows); Ctrl-C, SIGTERM or a bug abort it with a note.
    """

    def __enter__(self: _View) -> _View:
        self.start()
        return self

    def __exit__(
        self: ViewLifecycle,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None or issubclass(exc_type, BudgetExceeded):
            self.finish()
        elif issubclass(exc_type, AppamError):
            self.abort(None)
        else:
            self.abort(INTERRUPTED_NOTE)
