"""Asking the user at the terminal whether a tool call runs.

The question goes to the terminal itself (``/dev/tty``), not to stdin/stdout, so it works when
stdin is a pipe and stdout a file; where no terminal can be opened there is no asker and the
policy denies (tools/approval.py). The call is shown exactly: a ``run_shell`` command as the
text ``/bin/sh -c`` runs, other arguments as pretty JSON, control characters made visible.
"""

from __future__ import annotations

import json
import os
from typing import IO, TYPE_CHECKING, Any

from appam_cli.render.safe_text import safe_text
from appam_cli.tools.approval import answer_decision
from appam_cli.tools.spec import Decision, ToolSpec

if TYPE_CHECKING:
    from appam_cli.config import Settings
    from appam_cli.tools.approval import ApprovalPolicy

TTY_PATH = "/dev/tty"
QUESTION = "Run it? [y]es / [n]o / [a]lways / [e]xplain: "


def describe_call(spec: ToolSpec, arguments: dict[str, Any], cwd: str | None = None) -> str:
    """The lines that show a call before it runs."""
    head = f"appam: {spec.name} ({spec.source}) wants to run"
    command = arguments.get("command") if spec.name == "run_shell" else None
    if isinstance(command, str):
        first, *rest = safe_text(command).split("\n")
        lines = [f"  $ {first}", *(f"    {line}" for line in rest)]
        if cwd:
            lines.append(f"  (in {safe_text(cwd)})")
        return f"{head}:\n" + "\n".join(lines) + "\n"
    text = json.dumps(arguments, indent=2, ensure_ascii=False, sort_keys=False)
    return f"{head} with:\n{safe_text(text)}\n"


class TerminalAsker:
    """``Ask`` over a terminal: shows the call, reads y / n / a / e (then a reason) line by line."""

    def __init__(self, tty_in: IO[str], tty_out: IO[str]) -> None:
        self.tty_in = tty_in
        self.tty_out = tty_out

    def _say(self, text: str) -> None:
        self.tty_out.write(text)
        self.tty_out.flush()

    def _line(self, prompt: str) -> str | None:
        self._say(prompt)
        line = self.tty_in.readline()
        if not line:  # end of input (Ctrl-D)
            self._say("\n")
            return None
        return line.rstrip("\r\n")

    def __call__(self, spec: ToolSpec, arguments: dict[str, Any]) -> Decision:
        self._say(describe_call(spec, arguments, os.getcwd()))
        while True:
            answer = self._line(QUESTION)
            if answer is None:
                return Decision(False)
            decision = answer_decision(answer, lambda: self._line("Why not? (sent to the model): "))
            if decision is not None:
                return decision
            self._say("Answer y (run it), n (do not), a (always run this tool) or e (say why not).\n")


def terminal_asker() -> TerminalAsker | None:
    """An asker on this process's terminal, or None when no terminal can be opened."""
    import io

    try:
        fd = os.open(TTY_PATH, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    # A terminal cannot seek, so no buffered read-write file over it: text straight over the
    # descriptor (as getpass does), kept open for the session.
    tty = io.TextIOWrapper(io.FileIO(fd, "w+"), encoding="utf-8", errors="replace", write_through=True)
    return TerminalAsker(tty, tty)


def approval_policy(settings: Settings, *, approve_all: bool) -> ApprovalPolicy:
    """The policy of a run: ``--yes``, the config's ``[tools] auto_approve``, the terminal asker."""
    from appam_cli.render.environment import environment
    from appam_cli.tools.approval import ApprovalPolicy

    return ApprovalPolicy(
        approve_all=approve_all,
        auto_approve=settings.tools_auto_approve,
        ask=None if approve_all else terminal_asker(),
        warn=environment().warn,
    )
