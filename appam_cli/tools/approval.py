"""The approval policy: whether a call runs.

A tool without side effects runs. A side-effecting call runs when one of these says so, in
this order: ``--yes`` (approve all); the config's ``[tools] auto_approve`` list (a tool's name,
``server`` or ``server.*`` for all of an MCP server's tools); an earlier "always" for this tool
in this session; the user, asked. Asking is a callable the command gives (a terminal prompt);
without one nobody can be asked and the call is denied: the model is told the user could not be
asked, and the user is told once per tool how to allow it. Never a silent run, never a wait for
input that cannot come.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from appam_cli.tools.spec import Decision, ToolSpec

# Asks the user about one call: the tool, its checked arguments -> the user's decision.
Ask = Callable[[ToolSpec, dict[str, Any]], Decision]

NOBODY_TO_ASK = (
    "the user could not be asked to approve this call (no terminal), so it did not run; "
    "do not retry it, go on without it or tell the user what you wanted to run"
)


def how_to_allow(tool: str) -> str:
    return (
        f"{tool}: denied, nobody could be asked for approval (no terminal); "
        f'allow it with --yes or in config.toml: [tools] auto_approve = ["{tool}"]'
    )


def matches(entry: str, name: str) -> bool:
    """Whether an ``auto_approve`` entry covers tool ``name``: the name itself, or an MCP server
    (``github`` / ``github.*``) for each of its tools (``github.list_issues``)."""
    if entry == name:
        return True
    server = entry[:-2] if entry.endswith(".*") else entry
    return bool(server) and "." not in server and name.startswith(server + ".")


class ApprovalPolicy:
    """Implements ``Approver``. ``warn`` writes one line for the user (default: stderr)."""

    def __init__(
        self,
        *,
        approve_all: bool = False,
        auto_approve: Iterable[str] = (),
        ask: Ask | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.approve_all = approve_all
        self.auto_approve = tuple(auto_approve)
        self.ask = ask
        self.warn = warn or _stderr_line
        self.always: set[str] = set()  # tools the user said [a]lways for, this session
        self._warned: set[str] = set()

    def preapproved(self, spec: ToolSpec) -> bool:
        """Runs without asking: no side effects, --yes, the config's list, or an earlier "always"."""
        return (
            not spec.side_effects
            or self.approve_all
            or spec.name in self.always
            or any(matches(entry, spec.name) for entry in self.auto_approve)
        )

    def decide(self, spec: ToolSpec, arguments: dict[str, Any]) -> Decision:
        if self.preapproved(spec):
            return Decision(True)
        if self.ask is None:
            if spec.name not in self._warned:
                self._warned.add(spec.name)
                self.warn(how_to_allow(spec.name))
            return Decision(False, NOBODY_TO_ASK)
        decision = self.ask(spec, arguments)
        if decision.approved and decision.always:
            self.always.add(spec.name)
        return decision


def _stderr_line(text: str) -> None:
    sys.stderr.write(f"appam: {text}\n")
    sys.stderr.flush()


def answer_decision(word: str, reason: Callable[[], str | None]) -> Decision | None:
    """The decision a typed answer stands for: ``y``/``yes``, ``n``/``no``, ``a``/``always``, or
    ``e``/``explain`` (then ``reason()`` asks why not, sent to the model); None: not an answer."""
    word = word.strip().lower()
    if word in ("y", "yes"):
        return Decision(True)
    if word in ("n", "no"):
        return Decision(False)
    if word in ("a", "always"):
        return Decision(True, always=True)
    if word in ("e", "explain"):
        return Decision(False, reason=(reason() or "").strip() or None)
    return None


def denial_text(decision: Decision) -> str:
    """What the model is told about a call that did not run (the ``tool`` message's content)."""
    if decision.reason == NOBODY_TO_ASK:
        return f"not run: {NOBODY_TO_ASK}"
    if decision.reason:
        return f"the user denied this call and said: {decision.reason}"
    return "the user denied this call; do not retry it unchanged"
