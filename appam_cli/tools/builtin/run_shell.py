"""``run_shell``: one shell command in the working folder, with a timeout; exit code, stdout, stderr.

The command runs as ``/bin/sh -c COMMAND``, exactly the text the approval showed, in its own
process group: on timeout the whole group is killed (children included). Its stdin is empty.

The loop waits ``context.timeout`` for a call, so the command is killed a little before that
(``GRACE``) and its output so far still comes back in time. A command still running when appam
exits (Ctrl-C, SIGTERM, an error; the call's thread is a daemon that dies with the process) has
its group killed then too: none outlives the run.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading

from appam_cli.tools.decorator import tool
from appam_cli.tools.output import cut, decode
from appam_cli.tools.spec import ToolContext, ToolError

SHELL = "/bin/sh"
DRAIN = 0.5  # seconds to collect what a killed group wrote; a grandchild that left the group is not waited for
GRACE = 1.0  # at most this much (and a fifth of the timeout) before the loop's deadline, the command is killed

_running: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@atexit.register
def _kill_all() -> None:
    """At exit, every command still running is killed with its group."""
    with _lock:
        left = list(_running)
    for proc in left:
        if proc.poll() is None:
            _kill_group(proc)


def command_deadline(timeout: float) -> float:
    """Seconds the command may run: the tool timeout less the time to kill it and collect its output."""
    return max(timeout - min(GRACE, timeout / 5), 0.01)


def _text(data: bytes | None, limit: int, stream: str) -> str:
    text, replaced = decode(data or b"")
    text = cut(text, limit, more=f"redirect {stream} to a file and search or read it in parts")
    if replaced:
        text += f"\n[{stream}: bytes that are not UTF-8 were replaced with U+FFFD]"
    return text


@tool(side_effects=True)
def run_shell(context: ToolContext, command: str) -> str:
    """Run a shell command (/bin/sh -c) in the working folder and return its exit code, stdout and
    stderr. It has no input and is killed, with its child processes, if it runs past the timeout.
    The call lasts until every process holding its output ends: start a background process with
    its output redirected (cmd > log 2>&1 &).

    Args:
        command: the command line, exactly as a shell reads it.
    """
    if not command.strip():
        raise ToolError("command is empty")
    if "\x00" in command:
        raise ToolError("command holds a NUL character")
    try:
        proc = subprocess.Popen(
            [SHELL, "-c", command],
            cwd=context.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, for the kill on timeout
        )
    except OSError as exc:
        raise ToolError(f"cannot start {SHELL}: {exc.strerror or exc}") from None
    with _lock:
        _running.add(proc)
    try:
        return _collect(proc, context)
    finally:
        with _lock:
            _running.discard(proc)


def _collect(proc: subprocess.Popen[bytes], context: ToolContext) -> str:
    timed_out = False
    try:
        out, err = proc.communicate(timeout=command_deadline(context.timeout))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        try:
            out, err = proc.communicate(timeout=DRAIN)
        except subprocess.TimeoutExpired:  # a grandchild in another group holds the pipes open
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            proc.wait()
            out, err = b"", b""
    except BaseException:  # Ctrl-C while it runs: it does not outlive us
        _kill_group(proc)
        proc.wait()
        raise
    half = max(context.output_limit // 2 - 100, 200)
    head = (
        f"timed out (the tool timeout is {context.timeout:g} s): the command and its child processes were killed"
        if timed_out
        else f"exit code: {proc.returncode}"
    )
    parts = [head]
    if out:
        parts += ["--- stdout ---", _text(out, half, "stdout").rstrip("\n")]
    if err:
        parts += ["--- stderr ---", _text(err, half, "stderr").rstrip("\n")]
    if not out and not err:
        parts.append("(no output)")
    return "\n".join(parts)
