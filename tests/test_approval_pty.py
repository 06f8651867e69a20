"""The approval question on a real terminal: y, n, a (not asked again), e with a reason, with
stdin piped (the question goes to /dev/tty), and without a terminal (denied, one line saying how
to allow it, never a wait)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.e2e  # every test starts a process, most on a pseudo-terminal

DRIVER = str(Path(__file__).with_name("approval_driver.py"))
WAIT = 60  # seconds: an upper bound for a loaded machine, never a measurement
QUESTION = r"\[y\]es / \[n\]o / \[a\]lways / \[e\]xplain: "


def env(home: Path) -> dict[str, str]:
    return {**os.environ, "APPAM_HOME": str(home), "TERM": "dumb", "PYTHONUNBUFFERED": "1"}


def spawn(home: Path, command: str, *, pipe: str | None = None, yes: bool = False) -> pexpect.spawn:
    argv = [sys.executable, DRIVER, "yes" if yes else "no", command]
    if pipe is not None:  # stdin is a pipe, the terminal is still there
        line = " ".join(f"'{a}'" for a in argv)
        argv = ["/bin/sh", "-c", f"printf '{pipe}' | {line}"]
    child = pexpect.spawn(argv[0], argv[1:], env=env(home), timeout=WAIT, encoding="utf-8")
    child.logfile_read = io.StringIO()  # everything the terminal showed
    return child


def shown(child: pexpect.spawn) -> str:
    return child.logfile_read.getvalue().replace("\r\n", "\n")


def decisions(child: pexpect.spawn) -> list[dict]:
    child.expect(pexpect.EOF)
    return [json.loads(line) for line in shown(child).splitlines() if line.startswith("{")]


def test_yes_then_no(appam_home: Path) -> None:
    child = spawn(appam_home, "rm -rf build")
    child.expect_exact("appam: run_shell (built-in) wants to run:")
    child.expect_exact("$ rm -rf build")
    child.expect(QUESTION)
    child.sendline("y")
    child.expect_exact("$ rm -rf build again")
    child.expect(QUESTION)
    child.sendline("n")
    assert decisions(child) == [
        {"stdin": "", "asker": True},
        {"approved": True, "reason": None, "always": False},
        {"approved": False, "reason": None, "always": False},
    ]


def test_always_is_not_asked_again(appam_home: Path) -> None:
    child = spawn(appam_home, "make")
    child.expect(QUESTION)
    child.sendline("a")
    found = decisions(child)
    assert found[1:] == [
        {"approved": True, "reason": None, "always": True},
        {"approved": True, "reason": None, "always": False},
    ]
    assert shown(child).count("[y]es") == 1  # the second call was not asked about


def test_explain_sends_the_reason(appam_home: Path) -> None:
    child = spawn(appam_home, "git push --force")
    child.expect(QUESTION)
    child.sendline("e")
    child.expect_exact("Why not? (sent to the model): ")
    child.sendline("push to a branch instead")
    child.expect(QUESTION)
    child.sendline("x")  # not an answer: asked again
    child.expect(QUESTION)
    child.sendline("yes")
    assert decisions(child)[1:] == [
        {"approved": False, "reason": "push to a branch instead", "always": False},
        {"approved": True, "reason": None, "always": False},
    ]


def test_stdin_piped_still_asks_the_terminal(appam_home: Path) -> None:
    child = spawn(appam_home, "ls", pipe="data from a pipe")
    child.expect(QUESTION)
    child.sendline("y")
    child.expect(QUESTION)
    child.sendline("n")
    found = decisions(child)
    assert found[0] == {"stdin": "data from a pipe", "asker": True}
    assert [d["approved"] for d in found[1:]] == [True, False]


def test_yes_and_auto_approve_never_ask(appam_home: Path, write_config) -> None:
    child = spawn(appam_home, "ls", yes=True)
    assert [d.get("approved") for d in decisions(child)] == [None, True, True]
    assert "[y]es" not in shown(child)
    write_config('[tools]\nauto_approve = ["run_shell"]\n')
    child = spawn(appam_home, "ls")
    assert [d.get("approved") for d in decisions(child)] == [None, True, True]
    assert "[y]es" not in shown(child)


def test_without_a_terminal_denied_with_one_line_on_how_to_allow(appam_home: Path) -> None:
    run = subprocess.run(
        [sys.executable, DRIVER, "no", "ls"], input="piped", capture_output=True, text=True, env=env(appam_home),
        start_new_session=True, timeout=WAIT,  # its own session: no controlling terminal to open
    )
    assert run.returncode == 0, run.stderr
    found = [json.loads(line) for line in run.stdout.splitlines()]
    assert found[0] == {"stdin": "piped", "asker": False}
    assert found[1]["approved"] is False and "could not be asked" in found[1]["reason"]
    assert found[2]["approved"] is False
    assert run.stderr.strip().splitlines() == [
        'appam: run_shell: denied, nobody could be asked for approval (no terminal); allow it with --yes or '
        'in config.toml: [tools] auto_approve = ["run_shell"]'
    ]
