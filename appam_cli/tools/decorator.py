"""``@tool``: a Python function as a tool, its JSON schema read from its type hints and docstring.

::

    from appam_cli import tool

    @tool(side_effects=False)
    def word_count(text: str, unique: bool = False) -> int:
        \"\"\"Count the words of a text.

        Args:
            text: the text to count.
            unique: count each distinct word once.
        \"\"\"
        words = text.split()
        return len(set(words)) if unique else len(words)

The decorated function stays an ordinary function (call it, test it); its ToolSpec is
``as_tool_spec(word_count)``. A parameter annotated ``ToolContext`` is given the call's context
(working folder, timeout, output limit) rather than asked of the model. A plain function,
without ``@tool``, is a tool too where one is expected; having declared nothing, it counts as
having side effects (every call is approved first).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar, overload

from appam_cli.tools.spec import ToolContext, ToolSpec

F = TypeVar("F", bound=Callable[..., Any])
SPEC_ATTRIBUTE = "__appam_tool__"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)?$")


def _check_name(name: str) -> str:
    if not _NAME.match(name) or len(name) > 64:
        raise ValueError(f"tool name {name!r}: use letters, digits, _ and - (at most 64 characters)")
    return name


def build_spec(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    side_effects: bool = True,
    source: str | None = None,
) -> ToolSpec:
    """The ToolSpec of ``fn``: schema and checks from its signature, run calls it with checked arguments."""
    from appam_cli.tools.output import cut, to_text
    from appam_cli.tools.schema import signature

    tool_name = _check_name(name or fn.__name__)
    sig = signature(fn, tool=tool_name)

    def run(arguments: dict[str, Any], context: ToolContext) -> str:
        validated = sig.validate(tool_name, arguments)
        result = fn(**sig.call_kwargs(validated, context))
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return cut(to_text(result), context.output_limit)

    def validate(arguments: dict[str, Any]) -> dict[str, Any]:
        return sig.checked(tool_name, arguments)

    return ToolSpec(
        name=tool_name,
        description=description if description is not None else sig.description,
        parameters=sig.schema,
        side_effects=side_effects,
        source=source or f"python: {getattr(fn, '__module__', None) or '?'}",
        run=run,
        validate=validate,
    )


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


@overload
def tool(fn: F, /) -> F: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None, side_effects: bool = True
) -> Callable[[F], F]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    side_effects: bool = True,
) -> Any:
    """Declare a function a tool: ``@tool`` or ``@tool(name=..., description=..., side_effects=False)``.

    ``side_effects`` defaults to True (the safe answer): say ``side_effects=False`` for a tool that
    only reads, so that it runs without asking. The description defaults to the docstring's text
    before its Args section; each parameter's description is its line there."""

    def declare(func: F) -> F:
        spec = build_spec(func, name=name, description=description, side_effects=side_effects)
        setattr(func, SPEC_ATTRIBUTE, spec)
        return func

    if fn is not None:
        return declare(fn)
    return declare


def declared_spec(obj: Any) -> ToolSpec | None:
    """The ToolSpec ``@tool`` attached to ``obj``, if it has one."""
    spec = getattr(obj, SPEC_ATTRIBUTE, None)
    return spec if isinstance(spec, ToolSpec) else None


def as_tool_spec(obj: Any) -> ToolSpec:
    """A ToolSpec from a ToolSpec, a ``@tool`` function, or a plain function (side effects assumed)."""
    if isinstance(obj, ToolSpec):
        return obj
    spec = declared_spec(obj)
    if spec is not None:
        return spec
    if callable(obj) and hasattr(obj, "__name__"):
        return build_spec(obj)
    raise TypeError(f"not a tool: {obj!r} (give a function, a @tool function or a ToolSpec)")
