"""Closing an abandoned response now, not when the garbage collector gets to it.

litellm's stream wrapper keeps the HTTP response several layers down, in a different place
for each provider: an openai ``Stream`` (``.response``), or a handler's iterator holding
generators over ``httpx.Response.iter_lines()``. A response left open keeps its pooled
connection checked out, and its finaliser, run by the collector while a retry holds
httpcore's pool lock, deadlocks the process. ``close_response`` finds the layers it knows
(the wrapper's attributes, generators and their frames) and closes each, the HTTP response
included.
"""

from __future__ import annotations

import inspect
from typing import Any

_LAYERS = ("completion_stream", "streaming_response", "response_iterator", "response", "_iterator", "iterator")
_OWNERS = ("litellm", "openai", "anthropic", "httpx", "httpcore")
_MOST = 64  # objects visited at most: the chain is a handful deep


def close_response(response: Any) -> None:
    """Close ``response`` (a litellm stream wrapper) and every layer under it; never raises."""
    try:
        import httpx
    except ImportError:  # pragma: no cover - litellm depends on httpx
        return
    todo = [response]
    seen: set[int] = set()
    while todo and len(seen) < _MOST:
        obj = todo.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        try:
            if isinstance(obj, httpx.Response):
                obj.close()
            elif inspect.isgenerator(obj):
                frame = obj.gi_frame
                if frame is not None:
                    todo.extend(v for v in frame.f_locals.values() if _ours(v))
                obj.close()
            elif _ours(obj):
                todo.extend(getattr(obj, name, None) for name in _LAYERS)
        except Exception:
            continue  # closing is best effort, layer by layer


def _ours(obj: Any) -> bool:
    """Generators, and objects of the libraries between litellm and the socket."""
    if inspect.isgenerator(obj):
        return True
    module = type(obj).__module__ or ""
    return module.split(".", 1)[0] in _OWNERS
