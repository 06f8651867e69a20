"""What needs a real process: the pager and the delete confirmation on a terminal (a pty),
and the import guard of the read commands (a fresh interpreter)."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import APPAM
from import_report import NOT_FOR_READING, assert_light, run_appam
from sessions_store import make_session, save, snapshot

from appam_cli.datamodel import ChatMessage

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.e2e  # a pseudo-terminal or a fresh interpreter in every test

A = "aaaa1111-0000-4000-8000-000000000001"
FAKE_PAGER = """
import os, sys
with open(sys.argv[1], "w") as fh:
    fh.write("LESS=" + os.environ.get("LESS", "") + "\\n")
    fh.write(sys.stdin.read())
"""


def long_session(count: int = 40):
    extra = []
    for i in range(3, count + 1):
        extra.append(ChatMessage("user" if i % 2 else "assistant", f"message number {i}"))
    return make_session("first", "second", session_id=A, extra=extra)


def spawn(args: list[str], env: dict[str, str], rows: int = 24):
    full_env = {k: v for k, v in os.environ.items() if k not in ("APPAM_PAGER", "PAGER", "LESS")}
    full_env.update(env)
    child = pexpect.spawn(APPAM, args, env=full_env, encoding="utf-8", timeout=20, dimensions=(rows, 100))
    return child


def finish(child) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    out = child.before
    child.close()
    return out, child.exitstatus


@pytest.fixture
def pager(tmp_path):
    script = tmp_path / "fake_pager.py"
    script.write_text(FAKE_PAGER)
    out = tmp_path / "paged.txt"
    return f"{sys.executable} {script} {out}", out


def test_long_output_goes_through_the_pager(appam_home, pager):
    command, paged = pager
    save(appam_home, long_session())
    out, code = finish(spawn(["sessions", "show", A], {"APPAM_PAGER": command}))
    assert code == 0, out
    text = paged.read_text()
    assert text.startswith("LESS=FRX\n")  # git's default for less, when the user has none
    assert "#40 assistant" in text and "message number 40" in text
    assert "\x1b[" in text  # rendered for the terminal, colours kept for the pager
    assert "message number 40" not in out  # nothing of it went around the pager


def test_raw_output_is_paged_too_and_pager_falls_back_to_PAGER(appam_home, pager):
    command, paged = pager
    save(appam_home, long_session())
    out, code = finish(spawn(["sessions", "show", A, "--raw"], {"PAGER": command, "LESS": "R"}))
    assert code == 0, out
    text = paged.read_text()
    assert text.startswith("LESS=R\n") and "### #40 assistant" in text and "\x1b[" not in text


@pytest.mark.parametrize(
    "args, env",
    [
        (["--no-pager"], {}),
        ([], {"APPAM_PAGER": ""}),  # an empty pager switches paging off, as in git
        ([], {"APPAM_PAGER": "cat"}),
    ],
)
def test_no_pager(appam_home, pager, args, env):
    command, paged = pager
    save(appam_home, long_session())
    out, code = finish(spawn(["sessions", "show", A, *args], {"PAGER": command, **env}))
    assert code == 0 and "message number 40" in out and not paged.exists()


def test_output_that_fits_is_not_paged(appam_home, pager):
    command, paged = pager
    save(appam_home, make_session("short one", session_id=A))
    out, code = finish(spawn(["sessions", "show", A], {"APPAM_PAGER": command}, rows=60))
    assert code == 0 and "short one" in out and not paged.exists()


def test_a_pager_that_cannot_start_is_skipped(appam_home):
    save(appam_home, long_session())
    out, code = finish(spawn(["sessions", "show", A], {"APPAM_PAGER": "/nonexistent/pager -x"}))
    assert code == 0 and "message number 40" in out


def test_delete_asks_on_a_terminal(appam_home):
    save(appam_home, make_session("keep me maybe", session_id=A))
    child = spawn(["sessions", "delete", "aaaa"], {})
    child.expect(r"aaaa1111  keep me maybe")
    child.expect(r"Delete 1 session and their messages\? \[y/N\]")
    child.sendline("n")
    out, code = finish(child)
    assert code == 1 and "nothing deleted" in out
    assert len(snapshot(appam_home)["sessions"]) == 1
    child = spawn(["sessions", "delete", "--all"], {})
    child.expect(r"\[y/N\]")
    child.sendline("y")
    out, code = finish(child)
    assert code == 0 and "Deleted 1 session" in out
    rows = snapshot(appam_home)
    assert rows["sessions"] == [] and rows["messages"] == [] and len(rows["requests"]) == 1


# -- import guard -------------------------------------------------------------------------

def test_read_commands_import_neither_litellm_nor_sqlmodel(appam_home):
    save(appam_home, make_session("why is the sky blue?", "# Rayleigh\n\n**blue**", session_id=A))
    cases = [
        ("sessions", "search", "rayleigh"),
        ("sessions", "search", '"broken', "--json"),
        ("sessions", "show", A),
        ("sessions", "show", "aaaa", "--raw", "--last", "1"),
        ("sessions", "list", "--model", "test", "--since", "1d"),
        ("sessions", "rename", A, "renamed"),
        ("sessions", "fork", A),
        ("sessions", "delete", "--older-than", "30d", "--yes"),
        ("continue", "nonexistent"),
    ]
    for args in cases:
        run = run_appam(*args)
        assert run.returncode in (0, 1), (args, run.stderr)
        assert_light(run, NOT_FOR_READING)
    assert "Rayleigh" in run_appam("sessions", "show", A).stdout
