"""Running the tool calls of one answer: the tools a run has (``ToolRun``), one batch of calls in
call order (``run_calls``), and the rule that stops a model repeating a failing call (``FailureStreak``).

Side-effecting calls are asked about one by one, in call order, in the caller's thread (the
Approver may ask someone); a batch of read-only calls runs concurrently. Each outcome is handed
to ``done`` in call order as soon as it and those before it are known, so the loop saves it then.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appam_cli.agent.callbacks import Callbacks
from appam_cli.agent.tool_calls import Running, approve, prepare
from appam_cli.providers.errors import redact_secrets
from appam_cli.tools.limits import DEFAULT_MAX_STEPS, DEFAULT_TOOL_TIMEOUT
from appam_cli.tools.spec import Approver, OutcomeStatus, ToolContext, ToolOutcome
from appam_cli.tools.toolbox import Toolbox

REPEATED_FAILURES = 3  # the same failing call this many times in a row ends the run


@dataclass
class ToolRun:
    """What a run may call and how: the tools, who approves side effects (None: nobody can be
    asked, so such calls are denied), where calls run, and how many requests the loop may make."""

    toolbox: Toolbox
    approver: Approver | None = None
    context: ToolContext = field(default_factory=lambda: ToolContext(cwd=Path.cwd()))
    max_steps: int = DEFAULT_MAX_STEPS

    @property
    def timeout(self) -> float:
        return self.context.timeout


def tool_context(
    cwd: Path | None = None, allowed_paths: tuple[Path, ...] = (), timeout: float | None = None
) -> ToolContext:
    return ToolContext(
        cwd=cwd or Path.cwd(),
        allowed_paths=tuple(allowed_paths),
        timeout=DEFAULT_TOOL_TIMEOUT if timeout is None else timeout,
    )


def run_calls(
    calls: list[dict[str, Any]],
    tools: ToolRun,
    callbacks: Callbacks,
    done: Callable[[ToolOutcome], None],
    heartbeat: Callable[[], None] | None = None,
) -> list[ToolOutcome]:
    """Run ``calls`` (one answer's), firing ``on_tool_call`` before a call and ``on_tool_result``
    (and ``on_tool_error`` for a failure) after it; ``done(outcome)`` in call order."""
    prepared = [prepare(call, tools.toolbox) for call in calls]
    runnable = [p for p in prepared if p.outcome is None]
    outcomes: list[ToolOutcome] = []

    def finish(outcome: ToolOutcome) -> None:
        # A key this process holds (OPENAI_API_KEY…) never reaches the screen, the store or the
        # model through a tool's output (`run_shell env`, a file holding one).
        outcome.content = redact_secrets(outcome.content)
        callbacks.on_tool_result(outcome.to_dict())
        if outcome.status in (OutcomeStatus.ERROR, OutcomeStatus.TIMEOUT, OutcomeStatus.UNAVAILABLE):
            callbacks.on_tool_error(outcome.to_dict())
        outcomes.append(outcome)
        done(outcome)

    if len(runnable) > 1 and not any(p.spec is not None and p.spec.side_effects for p in runnable):
        for call in calls:  # read-only: all at once, results in call order
            callbacks.on_tool_call(call)
        running = [Running(p, tools.context) for p in prepared]
        for run in running:
            finish(run.wait(heartbeat))
        return outcomes
    for call, p in zip(calls, prepared, strict=True):  # one after the other, each approved first
        callbacks.on_tool_call(call)
        finish(Running(approve(p, tools.approver), tools.context).wait(heartbeat))
    return outcomes


class FailureStreak:
    """The same failing call (same tool, same arguments) several times in a row."""

    def __init__(self, limit: int = REPEATED_FAILURES) -> None:
        self.limit = limit
        self.key: tuple[str, str] | None = None
        self.count = 0
        self.last: ToolOutcome | None = None

    def note(self, outcome: ToolOutcome) -> bool:
        """Count ``outcome``; True when it makes ``limit`` identical failures in a row."""
        if outcome.status not in (OutcomeStatus.ERROR, OutcomeStatus.TIMEOUT, OutcomeStatus.UNAVAILABLE):
            self.key, self.count = None, 0
            return False
        key = (outcome.name, _canonical(outcome.arguments))
        self.count = self.count + 1 if key == self.key else 1
        self.key, self.last = key, outcome
        return self.count >= self.limit

    def message(self) -> str:
        last = self.last
        assert last is not None
        error = " ".join(last.content.split())
        if len(error) > 160:
            error = error[:159] + "…"
        return (
            f"stopped: {last.name} failed {self.count} times in a row with the same arguments ({error}); "
            "everything so far is saved"
        )


def _canonical(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), sort_keys=True)
    except ValueError:
        return arguments
