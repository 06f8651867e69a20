"""What every answer view does as a context manager: start, then finish or abort."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar


class ViewLifecycle(Protocol):
    """What a view must have for ViewContext to drive it."""

    def start(self) -> None: ...

    def finish(self) -> None: ...

    def abort(self, note: str | None = None) -> None: ...


_View = TypeVar("_View", bound=ViewLifecycle)


class ViewContext:
    """Mixed into a view that has start(), finish() and abort(note) (the ViewLifecycle protocol)."""

    def __enter__(self: _View) -> _View:
        self.start()
        return self

    def __exit__(
        self: ViewLifecycle,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort("[interrupted]" if issubclass(exc_type, KeyboardInterrupt) else None)
