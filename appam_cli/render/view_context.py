"""What every answer view does as a context manager: start, then finish or abort."""

from __future__ import annotations

from types import TracebackType

from appam_cli.errors import AppamError, BudgetExceeded

INTERRUPTED_NOTE = "[interrupted]"


class ViewContext:
    """Mixed into a view that has start(), finish() and abort(note).

    How the turn ended decides how the view ends: normally, or stopped by a cost limit
    (the partial answer is shown as it is), it finishes; an expected failure aborts it
    quietly (its one-line error follows); Ctrl-C, SIGTERM or a bug abort it with a note.
    """

    def __enter__(self):
        self.start()
        return self

    def __exit__(
        self,
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
