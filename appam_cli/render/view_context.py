"""What every answer view does as a context manager: start, then finish or abort."""

from __future__ import annotations

from types import TracebackType


class ViewContext:
    """Mixed into a view that has start(), finish() and abort(note)."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort("[interrupted]" if issubclass(exc_type, KeyboardInterrupt) else None)
