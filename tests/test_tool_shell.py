"""run_shell: the exact command in the working folder, exit code, stdout and stderr (cut), no input,
and the whole process group killed on timeout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appam_cli.tools.builtin import builtin_spec
from appam_cli.tools.spec import ToolContext, ToolError

pytestmark = pytest.mark.e2e  # every test starts /bin/sh


def shell(command: str, cwd: Path, **kw) -> str:
    return builtin_spec("run_shell").run({"command": command}, ToolContext(cwd=cwd, **kw))


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            state = next(line for line in fh if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "Z" not in state.split()[1]  # a zombie is dead, waiting to be reaped


def gone(pid: int, within: float = 30.0) -> bool:
    """The process is dead, or dies within ``within`` seconds (a SIGKILL takes effect when the
    process is next scheduled: on a loaded machine, not at once). An upper bound, not a measurement."""
    import time

    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_exit_code_stdout_and_stderr(tmp_path: Path) -> None:
    out = shell("echo out; echo err >&2; exit 3", tmp_path)
    assert out == "exit code: 3\n--- stdout ---\nout\n--- stderr ---\nerr"
    assert shell("true", tmp_path) == "exit code: 0\n(no output)"


def test_the_command_text_runs_exactly_in_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "marker.txt").write_text("")
    out = shell("printf '%s|' \"a  b\" '$HOME' *.txt; pwd", tmp_path)
    assert out == f"exit code: 0\n--- stdout ---\na  b|$HOME|marker.txt|{os.path.realpath(tmp_path)}"


def test_stdin_is_empty(tmp_path: Path) -> None:
    assert shell("cat; echo done", tmp_path) == "exit code: 0\n--- stdout ---\ndone"


def test_output_cut_and_bytes_not_utf8_said(tmp_path: Path) -> None:
    out = shell("head -c 50000 /dev/zero | tr '\\0' x; printf '\\377' >&2", tmp_path, output_limit=4000)
    assert len(out) < 4000
    assert "[output cut: showed" in out and "of 50000 characters" in out
    assert "redirect stdout to a file" in out
    assert out.endswith("--- stderr ---\n\ufffd\n[stderr: bytes that are not UTF-8 were replaced with U+FFFD]")


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    out = shell("sleep 60 & echo $! > child.pid; echo started; sleep 60", tmp_path, timeout=1)
    assert out.startswith("timed out (the tool timeout is 1 s): the command and its child processes were killed")
    assert "--- stdout ---\nstarted" in out  # what it wrote before is kept
    child = int((tmp_path / "child.pid").read_text())
    assert gone(child)


def test_empty_command_refused(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="command is empty"):
        shell("  ", tmp_path)


EXITING = """
import sys, threading, time
from pathlib import Path
from appam_cli.tools.builtin import builtin_spec
from appam_cli.tools.spec import ToolContext

folder = Path(sys.argv[1])
call = lambda: builtin_spec("run_shell").run(
    {"command": "sleep 60 & echo $! > child.pid; sleep 60"}, ToolContext(cwd=folder, timeout=600))
threading.Thread(target=call, daemon=True).start()  # as the loop runs a call
while not (folder / "child.pid").exists() or not (folder / "child.pid").read_text().strip():
    time.sleep(0.01)
raise KeyboardInterrupt  # the user pressed Ctrl-C: appam exits with the command still running
"""


def test_a_command_does_not_outlive_appam(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", EXITING, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert "KeyboardInterrupt" in run.stderr
    child = int((tmp_path / "child.pid").read_text())
    assert gone(child)
