"""The approval policy (--yes, [tools] auto_approve, always, asking, nobody to ask) and the
terminal asker's questions and answers (given its streams; tests/test_approval_pty.py runs it
on a real terminal)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from appam_cli.cli.approval_prompt import TerminalAsker, approval_policy, describe_call, terminal_asker
from appam_cli.tools.approval import NOBODY_TO_ASK, ApprovalPolicy, denial_text, matches
from appam_cli.tools.builtin import builtin_spec
from appam_cli.tools.spec import Decision, ToolSpec


def spec(name: str, side_effects: bool = True, source: str = "test") -> ToolSpec:
    return ToolSpec(name, "", {"type": "object", "properties": {}}, side_effects, source, run=lambda a, c: "")


class Recorder:
    """An asker that answers from a list and records what it was asked."""

    def __init__(self, *answers: Decision) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, tool: ToolSpec, arguments: dict[str, Any]) -> Decision:
        self.asked.append((tool.name, arguments))
        return self.answers.pop(0)


def test_side_effect_free_tools_run_without_asking() -> None:
    ask = Recorder()
    policy = ApprovalPolicy(ask=ask)
    assert policy.decide(spec("read_file", side_effects=False), {}) == Decision(True)
    assert ask.asked == []


def test_yes_approves_all_without_asking() -> None:
    ask = Recorder()
    assert ApprovalPolicy(approve_all=True, ask=ask).decide(spec("run_shell"), {"command": "rm x"}).approved
    assert ask.asked == []


def test_asked_yes_no_and_explain() -> None:
    ask = Recorder(Decision(True), Decision(False), Decision(False, reason="use git rm"))
    policy = ApprovalPolicy(ask=ask)
    assert policy.decide(spec("run_shell"), {"command": "a"}) == Decision(True)
    assert policy.decide(spec("run_shell"), {"command": "b"}) == Decision(False)
    denied = policy.decide(spec("run_shell"), {"command": "c"})
    assert denied == Decision(False, reason="use git rm")
    assert ask.asked == [("run_shell", {"command": "a"}), ("run_shell", {"command": "b"}), ("run_shell", {"command": "c"})]
    assert denial_text(denied) == "the user denied this call and said: use git rm"
    assert denial_text(Decision(False)) == "the user denied this call; do not retry it unchanged"


def test_always_covers_that_tool_for_the_rest_of_the_session() -> None:
    ask = Recorder(Decision(True, always=True), Decision(False))
    policy = ApprovalPolicy(ask=ask)
    assert policy.decide(spec("write_file"), {"path": "a"}).approved
    assert policy.decide(spec("write_file"), {"path": "b"}).approved  # not asked again
    assert not policy.decide(spec("edit_file"), {"path": "c"}).approved  # another tool is asked
    assert [name for name, _ in ask.asked] == ["write_file", "edit_file"]
    assert not ApprovalPolicy(ask=Recorder(Decision(False))).always  # a new session starts empty


def test_nobody_to_ask_denies_and_tells_the_user_once_per_tool() -> None:
    lines: list[str] = []
    policy = ApprovalPolicy(ask=None, warn=lines.append)
    first = policy.decide(spec("run_shell"), {"command": "ls"})
    assert first == Decision(False, NOBODY_TO_ASK)
    assert "could not be asked" in denial_text(first) and denial_text(first).startswith("not run: ")
    policy.decide(spec("run_shell"), {"command": "ls -l"})
    policy.decide(spec("github.create_issue"), {})
    assert lines == [
        'run_shell: denied, nobody could be asked for approval (no terminal); allow it with --yes or in '
        'config.toml: [tools] auto_approve = ["run_shell"]',
        'github.create_issue: denied, nobody could be asked for approval (no terminal); allow it with --yes or in '
        'config.toml: [tools] auto_approve = ["github.create_issue"]',
    ]


def test_default_warning_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    ApprovalPolicy().decide(spec("write_file"), {})
    assert capsys.readouterr().err.startswith("appam: write_file: denied, nobody could be asked")


@pytest.mark.parametrize(
    "entry, name, covered",
    [
        ("run_shell", "run_shell", True),
        ("run_shell", "run_shell2", False),
        ("github.list_issues", "github.list_issues", True),
        ("github.list_issues", "github.create_issue", False),
        ("github", "github.create_issue", True),
        ("github.*", "github.create_issue", True),
        ("github", "githubx.create_issue", False),
        ("git", "github.create_issue", False),
        ("github", "github", True),
        (".*", "x.y", False),
        ("*", "run_shell", False),
    ],
)
def test_auto_approve_entries(entry: str, name: str, covered: bool) -> None:
    assert matches(entry, name) is covered
    ask = Recorder(Decision(False))
    decision = ApprovalPolicy(auto_approve=[entry], ask=ask).decide(spec(name), {})
    assert decision.approved is covered
    assert len(ask.asked) == (0 if covered else 1)


def test_policy_from_settings(write_config) -> None:
    from appam_cli.config import load_settings

    write_config('[tools]\nauto_approve = ["write_file", "github"]\n')
    policy = approval_policy(load_settings(), approve_all=False)
    assert policy.ask is None  # the tests' terminal cannot be opened (conftest)
    assert policy.decide(spec("write_file"), {}).approved
    assert policy.decide(spec("github.create_issue"), {}).approved
    assert not policy.decide(spec("run_shell"), {}).approved
    assert approval_policy(load_settings(), approve_all=True).decide(spec("run_shell"), {}).approved


def test_no_terminal_no_asker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from appam_cli.cli import approval_prompt

    monkeypatch.setattr(approval_prompt, "TTY_PATH", str(tmp_path / "missing"))
    assert terminal_asker() is None


# -- the terminal asker, given streams -----------------------------------------------------


def ask(answers: str, tool: ToolSpec, arguments: dict[str, Any]) -> tuple[Decision, str]:
    out = io.StringIO()
    decision = TerminalAsker(io.StringIO(answers), out)(tool, arguments)
    return decision, out.getvalue()


@pytest.mark.parametrize(
    "answers, decision, questions",
    [
        ("y\n", Decision(True), 1),
        ("YES\n", Decision(True), 1),
        ("n\n", Decision(False), 1),
        ("a\n", Decision(True, always=True), 1),
        ("e\nthat deletes my work\n", Decision(False, reason="that deletes my work"), 1),
        ("e\n\n", Decision(False), 1),
        ("", Decision(False), 1),  # end of input: no
        ("maybe\n\ny\n", Decision(True), 3),  # asked again
    ],
)
def test_answers(answers: str, decision: Decision, questions: int) -> None:
    got, shown = ask(answers, builtin_spec("write_file"), {"path": "a.txt", "content": "x"})
    assert got == decision
    assert shown.count("Run it? [y]es / [n]o / [a]lways / [e]xplain: ") == questions
    assert shown.count("Why not? (sent to the model): ") == answers.startswith("e")


def test_a_shell_command_is_shown_exactly_as_it_runs() -> None:
    command = "rm -rf 'my dir' && echo \"$HOME\"\nls\t-l"
    _, shown = ask("n\n", builtin_spec("run_shell"), {"command": command})
    lines = shown.splitlines()
    assert lines[0] == "appam: run_shell (built-in) wants to run:"
    assert lines[1] == "  $ rm -rf 'my dir' && echo \"$HOME\""
    assert lines[2] == "    ls\t-l"
    assert lines[3].startswith("  (in /")


def test_control_characters_are_made_visible() -> None:
    command = "echo \x1b]52;c;aGk=\x07 \x1b[2J\rclear \u202eevil"
    _, shown = ask("n\n", builtin_spec("run_shell"), {"command": command})
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown and "\r" not in shown
    assert "  $ echo ^[]52;c;aGk=^G ^[[2J^Mclear <U+202E>evil" in shown
    text = describe_call(spec("notes.save", source="mcp: notes"), {"title": "a\u009bb", "body": "x\ny"})
    assert "\u009b" not in text and "<U+009B>" in text
    assert text.startswith("appam: notes.save (mcp: notes) wants to run with:\n")
    body = text.split("\n", 1)[1]
    assert json.loads(body.replace("<U+009B>", "\u009b")) == {"title": "a\u009bb", "body": "x\ny"}
