"""One tool call, from what the model sent to its outcome: find the tool, read and check the
arguments, ask for approval, run it under a timeout.

Nothing a call does ends the run: a tool that raises, times out, gets bad arguments or does
not exist comes back as a ToolOutcome the model is told about (``tool_runner`` sends them).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appam_cli.tools.spec import (
    Approver,
    Decision,
    OutcomeStatus,
    ToolContext,
    ToolError,
    ToolOutcome,
    ToolSpec,
    ToolUnavailable,
)
from appam_cli.tools.toolbox import Toolbox

WAIT_SLICE = 0.25  # seconds between two looks at a running call (and heartbeats)

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


@dataclass
class Prepared:
    """A call ready to run (``spec`` and ``arguments``), or already ended (``outcome``)."""

    call_id: str
    name: str  # the user-facing name (the wire name when the tool is unknown)
    raw_arguments: str
    spec: ToolSpec | None = None
    arguments: dict[str, Any] | None = None
    outcome: ToolOutcome | None = None

    def ended(self, content: str, status: OutcomeStatus) -> Prepared:
        self.outcome = ToolOutcome(self.call_id, self.name, self.raw_arguments, content, status)
        return self


def prepare(call: dict[str, Any], toolbox: Toolbox) -> Prepared:
    """The tool the call names and its checked arguments, or the outcome that says what is wrong."""
    fn = call.get("function") or {}
    wire = str(fn.get("name") or "")
    raw = fn.get("arguments")
    raw = raw if isinstance(raw, str) else json.dumps(raw or {})
    spec = toolbox.find(wire)
    prepared = Prepared(str(call.get("id") or ""), spec.name if spec else wire, raw, spec)
    if spec is None:
        known = ", ".join(s.wire_name for s in toolbox.specs) or "none"
        return prepared.ended(
            f"error: there is no tool named {wire!r} in this run (available: {known})", OutcomeStatus.UNAVAILABLE
        )
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        return prepared.ended(f"error: the arguments are not valid JSON ({exc}); nothing was run", OutcomeStatus.ERROR)
    if not isinstance(arguments, dict):
        return prepared.ended("error: the arguments must be a JSON object; nothing was run", OutcomeStatus.ERROR)
    try:
        prepared.arguments = spec.validate(arguments) if spec.validate is not None else basic_check(spec, arguments)
    except ToolError as exc:
        return prepared.ended(f"error: invalid arguments: {exc.message}; nothing was run", OutcomeStatus.ERROR)
    return prepared


def basic_check(spec: ToolSpec, arguments: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema's required keys and the plain types of the properties given (ToolError)."""
    schema = spec.parameters or {}
    properties = schema.get("properties") or {}
    missing = [key for key in schema.get("required") or [] if key not in arguments]
    if missing:
        raise ToolError(f"missing required argument{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if schema.get("additionalProperties") is False:
        extra = sorted(set(arguments) - set(properties))
        if extra:
            raise ToolError(f"unknown argument{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    for key, value in arguments.items():
        declared = (properties.get(key) or {}).get("type")
        kinds = [declared] if isinstance(declared, str) else list(declared or [])
        accepted = tuple(t for kind in kinds for t in _JSON_TYPES.get(kind, ()))
        if not accepted:
            continue
        if isinstance(value, bool) and bool not in accepted:  # JSON true is not a number
            raise ToolError(f"{key} must be {' or '.join(kinds)}, not a boolean")
        if not isinstance(value, accepted):
            raise ToolError(f"{key} must be {' or '.join(kinds)}, not {type(value).__name__}")
    return arguments


def approve(prepared: Prepared, approver: Approver | None) -> Prepared:
    """Ask the approver about a side-effecting call; a denial is the call's outcome."""
    spec, arguments = prepared.spec, prepared.arguments
    if prepared.outcome is not None or spec is None or arguments is None or not spec.side_effects:
        return prepared
    if approver is None:  # an Agent given tools and no approver: nobody can be asked
        from appam_cli.tools.approval import NOBODY_TO_ASK, denial_text

        return prepared.ended(denial_text(Decision(False, NOBODY_TO_ASK)), OutcomeStatus.DENIED)
    decision = approver.decide(spec, arguments)
    if not decision.approved:
        from appam_cli.tools.approval import denial_text

        return prepared.ended(denial_text(decision), OutcomeStatus.DENIED)
    return prepared


class Running:
    """A prepared call running in a thread of its own; ``wait`` stops waiting at the timeout
    (the thread is left to end by itself: a tool that honours ``context.timeout`` does)."""

    def __init__(self, prepared: Prepared, context: ToolContext) -> None:
        self.prepared = prepared
        self.context = context
        self.started = time.monotonic()
        self._result: tuple[str, OutcomeStatus] | None = None
        self._thread: threading.Thread | None = None
        if prepared.outcome is None:
            self._thread = threading.Thread(target=self._run, name=f"appam-tool-{prepared.name}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        spec, arguments = self.prepared.spec, self.prepared.arguments
        assert spec is not None and arguments is not None
        try:
            self._result = (spec.run(arguments, self.context), OutcomeStatus.OK)
        except ToolUnavailable as exc:
            self._result = (f"error: {spec.name} is unavailable: {exc.message}", OutcomeStatus.UNAVAILABLE)
        except ToolError as exc:
            self._result = (f"error: {exc.message}", OutcomeStatus.ERROR)
        except Exception as exc:  # a tool's bug is the model's error result, named by its type
            detail = str(exc)
            self._result = (f"error: {type(exc).__name__}" + (f": {detail}" if detail else ""), OutcomeStatus.ERROR)

    def wait(self, heartbeat: Callable[[], None] | None = None) -> ToolOutcome:
        if self.prepared.outcome is not None:
            return self.prepared.outcome
        assert self._thread is not None
        deadline = self.started + self.context.timeout
        while self._thread.is_alive():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._thread.join(min(WAIT_SLICE, left))
            if heartbeat is not None:
                heartbeat()
        duration = int((time.monotonic() - self.started) * 1000)
        p = self.prepared
        if self._result is None:
            content = f"error: {p.name} did not finish within {self.context.timeout:g} s; it was stopped waiting for"
            return ToolOutcome(p.call_id, p.name, p.raw_arguments, content, OutcomeStatus.TIMEOUT, duration)
        content, status = self._result
        content = cut(content, self.context.output_limit)
        return ToolOutcome(p.call_id, p.name, p.raw_arguments, content, status, duration)


def cut(content: Any, limit: int) -> str:
    """The result as text, at most ``limit`` characters, saying how much was left out."""
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, default=str)
    if limit <= 0 or len(text) <= limit:
        return text
    return text[:limit] + f"\n[… {len(text) - limit:,} more characters not shown]"
