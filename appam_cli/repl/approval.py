"""The chat's tools (-T, --tools-file) and asking, in the chat, whether a side-effecting call runs.

The question is asked between two pieces of the answer: the answer view is paused (the core's
``PausingApprover``), so a one-line prompt-toolkit prompt owns the terminal meanwhile, with the
chat's own keys (Ctrl-C cancels the answer, as it does while the answer streams; Ctrl-D says no).
A chat without a terminal (stdin a script) asks nobody: such calls are denied and the model told.
"""

from __future__ import annotations

import json
from typing import Any

from appam_cli.repl import output
from appam_cli.repl.state import ChatState
from appam_cli.tools.approval import answer_decision
from appam_cli.tools.spec import Decision, ToolSpec

QUESTION = "Run it? [y]es / [n]o / [a]lways / [e]xplain: "


def open_chat_tools(state: ChatState, *, interactive: bool) -> None:
    """The Toolbox of the chat and its approval policy (UserError for an unknown tool or a bad file)."""
    from appam_cli.agent.session_turn import open_toolbox
    from appam_cli.tools.approval import ApprovalPolicy

    tools = state.options.tools
    tools.context()  # a bad --allow-path is one line now, not at every turn
    state.toolbox = open_toolbox(state.settings, tools, warn=output.warn)
    state.approver = ApprovalPolicy(
        approve_all=tools.approve_all,
        auto_approve=getattr(state.settings, "tools_auto_approve", ()),
        ask=ask_in_chat if interactive and not tools.approve_all else None,
        warn=output.warn,
    )


def describe(spec: ToolSpec, arguments: dict[str, Any]) -> str:
    from appam_cli.render.safe_text import safe_text

    command = arguments.get("command") if spec.name == "run_shell" else None
    if isinstance(command, str):
        return f"{spec.name} ({spec.source}) wants to run:\n  $ " + safe_text(command).replace("\n", "\n    ")
    shown = json.dumps(arguments, indent=2, ensure_ascii=False)
    return f"{spec.name} ({spec.source}) wants to run with:\n" + safe_text(shown)


def ask_in_chat(spec: ToolSpec, arguments: dict[str, Any]) -> Decision:
    """y / n / a / e at a one-line prompt; Ctrl-D is no, Ctrl-C cancels the answer (KeyboardInterrupt)."""
    from prompt_toolkit import prompt
    from rich.text import Text

    output.show(Text(describe(spec, arguments), style="bold yellow"))
    while True:
        try:
            answer = prompt(QUESTION)
        except EOFError:
            return Decision(False)
        decision = answer_decision(answer, lambda: _reason(prompt))
        if decision is not None:
            return decision
        output.notice("answer y (run it), n (do not), a (always run this tool in this chat) or e (say why not)")


def _reason(prompt: Any) -> str:
    try:
        return str(prompt("Why not? (sent to the model): "))
    except EOFError:
        return ""


def list_tools(state: ChatState) -> None:
    """``/tools``: what the model may call in this chat, and how calls are approved."""
    toolbox = state.toolbox
    if not toolbox:
        output.notice("no tools in this chat (start it with -T NAME or --tools-file FILE; `appam tools list`)")
        return
    rows = []
    for spec in toolbox.specs:
        kind = "side effects: asks first" if spec.side_effects else "read-only"
        summary = " ".join(spec.description.split())
        rows.append((spec.name, f"{summary[:70]}{'…' if len(summary) > 70 else ''}  [{kind}; {spec.source}]"))
    output.lines(rows)
    tools = state.options.tools
    approval = "--yes: every call runs" if tools.approve_all else "side effects are asked about (a: always)"
    output.notice(f"{approval} · at most {tools.step_limit} requests per answer · {tools.timeout:g} s per call")
