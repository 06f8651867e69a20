"""A store that cannot be written never gets a "saved" claim, and a read-only store still reads
(issue 9: "A full disk loses answers and says they were saved", "A read-only data directory").

Real files made unwritable for real (see ``store_faults``): read-only files and folders, an
immutable store, a file that is not SQLite, a truncated one, one from a newer appam, and a disk
that fills while an answer streams (a file-size limit on the process).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import APPAM
from provider_server import Reply
from sessions_store import make_session, opened, save, sessions
from store_faults import as_a_user, env_for, file_size_limit, read_only, store_files, user_namespaces_work

FIXTURES = Path(__file__).parent / "fixtures"
SKY = make_session("why is the sky blue?", "Rayleigh scattering of sunlight.")
SQLITE = make_session("what is sqlite?", "An embedded relational database.")


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None, repr(result.exception)


def _two_sessions(home: Path) -> list[str]:
    return save(home, make_session(SKY.messages[0].content, SKY.messages[1].content),
                make_session(SQLITE.messages[0].content, SQLITE.messages[1].content))


# -- a store that cannot be written: run fails before anything is sent ------------------------


def _not_sqlite(home: Path) -> list[Path]:
    home.mkdir(parents=True)
    (home / "sessions.db").write_text("my notes, not a database\n" * 200)
    return []


def _future_schema(home: Path) -> list[Path]:
    _two_sessions(home)
    conn = sqlite3.connect(home / "sessions.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    return []


def _truncated(home: Path) -> list[Path]:
    save(home, *(make_session(f"question {i}", "a long answer " * 400) for i in range(20)))
    path = home / "sessions.db"
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    return []


def _read_only_file(home: Path) -> list[Path]:
    _two_sessions(home)
    return [home / "sessions.db"]


def _read_only_folder(home: Path) -> list[Path]:
    _two_sessions(home)
    return [home / "sessions.db", home]


@pytest.mark.parametrize(
    "make, reason",
    [
        (_not_sqlite, "it is not a SQLite database"),
        (_future_schema, "made by a newer appam"),
        (_truncated, "it is damaged"),
        (_read_only_file, "it is read-only"),
        (_read_only_folder, "it is read-only"),
    ],
    ids=["not-sqlite", "future-schema", "truncated", "read-only-file", "read-only-folder"],
)
def test_run_on_a_store_it_cannot_write_fails_before_sending(cli, appam_home, make, reason):
    locked = make(appam_home)
    before = store_files(appam_home)
    with read_only(*locked) if locked else _nothing():
        result = cli.run("hello there")
        for args in (("continue", "last", "and more?"), ("sessions", "delete", "--yes", "last")):
            if locked:  # the store itself reads: these are refused for what they would write
                again = cli(*args, "--api-base", cli.server.url) if args[0] == "continue" else cli(*args)
                again.error_line("cannot write the session store", reason)
    line = result.error_line(reason)
    assert str(appam_home / "sessions.db") in line
    assert "saved" not in result.stderr
    _no_traceback(result)
    assert cli.server.requests == []  # nothing sent, nothing spent
    assert store_files(appam_home)["sessions.db"] == before["sessions.db"]


def test_run_where_no_store_can_be_made_sends_nothing_and_claims_nothing(cli, appam_home, monkeypatch):
    parent = appam_home.parent / "read-only-parent"
    parent.mkdir()
    monkeypatch.setenv("APPAM_HOME", str(parent / "appam-home"))
    with read_only(parent):
        result = cli.run("hello there")
    line = result.error_line("nothing was sent", "cannot create", str(parent / "appam-home"))
    assert "saved" not in result.stderr.replace("NOT saved", "")
    assert line.count(str(parent / "appam-home")) == 1
    assert cli.server.requests == []


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_chat_on_a_read_only_store_says_so_before_it_starts(cli, appam_home):
    _two_sessions(appam_home)
    with read_only(appam_home / "sessions.db", appam_home):
        result = cli("chat", "--api-base", cli.server.url, "-m", "openai/test-model", input="hello\n")
    result.error_line("cannot write the session store", "it is read-only")
    assert cli.server.requests == []


# -- a read-only store still reads ------------------------------------------------------------


@pytest.mark.parametrize("folder_too", [False, True], ids=["read-only-file", "read-only-folder"])
def test_a_read_only_store_lists_shows_searches_reports_and_exports(offline_cli, appam_home, tmp_path, folder_too):
    sky, sqlite_id = _two_sessions(appam_home)
    db_file = appam_home / "sessions.db"
    with read_only(db_file, *([appam_home] if folder_too else [])):
        before = db_file.read_bytes()
        listed = offline_cli("sessions", "list", "--json")
        shown = offline_cli("sessions", "show", sky[:8], "--no-pager")
        found = offline_cli("sessions", "search", "embedded")
        usage = offline_cli("usage", "--by", "model", "--json")
        exported = offline_cli("sessions", "export", sqlite_id)
        dump = tmp_path / "dump.json"
        dump.write_text(exported.stdout)
        refused = [
            offline_cli("sessions", "delete", "--yes", sky),
            offline_cli("sessions", "rename", sky, "a new title"),
            offline_cli("sessions", "fork", sky),
            offline_cli("sessions", "import", str(dump), "--replace"),
            offline_cli("usage", "--reprice"),
        ]
        assert db_file.read_bytes() == before
    for result in (listed, shown, found, usage, exported):
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        _no_traceback(result)
    assert {json.loads(line)["session_id"] for line in listed.stdout.splitlines()} == {sky, sqlite_id}
    assert "Rayleigh scattering of sunlight." in shown.stdout
    assert sqlite_id[:8] in found.stdout and sky[:8] not in found.stdout
    report = json.loads(usage.stdout)
    assert sum(group["requests"] for group in report["groups"]) == 2
    assert json.loads(exported.stdout)["messages"][1]["content"] == "An embedded relational database."
    for result in refused:
        result.error_line("cannot write the session store", "it is read-only")
    assert len(sessions(appam_home)) == 2


def test_a_read_only_copy_taken_while_appam_ran_reads_its_write_ahead_log(offline_cli, appam_home, tmp_path):
    """A backup of a store in use holds sessions still in the -wal file: they are read too."""
    _two_sessions(appam_home)
    with opened(appam_home) as holder:  # keeps the store open: the -wal file stays as it is
        holder.list_sessions()
        late = save(appam_home, make_session("a question asked late", "kept in the write-ahead log"))[0]
        backup = tmp_path / "backup"
        backup.mkdir()
        for name in ("sessions.db", "sessions.db-wal", "sessions.db-shm"):
            shutil.copyfile(appam_home / name, backup / name)
    files = sorted(backup.iterdir())
    with read_only(*files, backup):
        result = offline_cli("sessions", "list", "--json", env={"APPAM_DATABASE_URL": str(backup / "sessions.db")})
    assert result.exit_code == 0, result.stderr
    assert late in {json.loads(line)["session_id"] for line in result.stdout.splitlines()}


def test_a_read_only_store_that_needs_an_upgrade_says_so(offline_cli, appam_home):
    appam_home.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "appam-schema-v2.db", appam_home / "sessions.db")
    before = (appam_home / "sessions.db").read_bytes()
    with read_only(appam_home / "sessions.db", appam_home):
        result = offline_cli("sessions", "list")
    result.error_line("read-only", "upgrade", str(appam_home / "sessions.db"))
    assert (appam_home / "sessions.db").read_bytes() == before


# -- real processes: a folder made read-only with chmod, a disk that fills mid-answer ----------


def _appam(home: Path, *args: str, preexec=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [APPAM, *args], env=env_for(home), capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL, preexec_fn=preexec,
    )


@pytest.mark.e2e
def test_a_data_folder_made_read_only_with_chmod_reads_and_refuses_writes(provider, appam_home):
    if not user_namespaces_work():
        pytest.skip("running as root without user namespaces: chmod does not bind root")
    sky, _ = _two_sessions(appam_home)
    db_file = appam_home / "sessions.db"
    db_file.chmod(0o400)
    appam_home.chmod(0o500)
    try:
        listed = _appam(appam_home, "sessions", "list", preexec=as_a_user)
        run = _appam(appam_home, "run", "hello", "-m", "openai/test-model", "--api-base", provider.url,
                     preexec=as_a_user)
    finally:
        appam_home.chmod(0o700)
        db_file.chmod(0o600)
    assert listed.returncode == 0, listed.stderr
    assert "why is the sky blue?" in listed.stdout and "what is sqlite?" in listed.stdout
    assert listed.stderr == ""
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("appam: cannot write the session store ")
    assert "it is read-only" in run.stderr and len(run.stderr.splitlines()) == 1
    assert provider.requests == []


LONG = [f"chunk{i:04d} " + "lorem ipsum dolor sit amet " * 18 + "\n" for i in range(300)]  # ~150 KB


@pytest.mark.e2e
@pytest.mark.parametrize("limit", [260_000, 120_000], ids=["copy-fits", "copy-too-big"])
def test_a_disk_that_fills_mid_answer_is_never_reported_as_saved(provider, appam_home, tmp_path, limit):
    """Past the limit every write fails, the -wal's as a full disk's would; a copy of the whole
    session (~155 KB) still fits under the larger limit, and is named only then."""
    save(appam_home, make_session())  # the store exists; what the run writes goes to its -wal file
    provider.enqueue(Reply(LONG, chunk_delay=0.005))
    recovery_dir = tmp_path / "recovery"
    recovery_dir.mkdir()
    done = subprocess.run(
        [APPAM, "run", "write a lot", "-m", "openai/test-model", "--api-base", provider.url],
        env=env_for(appam_home, TMPDIR=str(recovery_dir), HOME=str(recovery_dir)), capture_output=True,
        text=True, timeout=120, stdin=subprocess.DEVNULL, preexec_fn=file_size_limit(limit),
    )
    answer = "".join(LONG)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.startswith(answer[:1000])  # the answer was shown as it arrived
    assert "Traceback" not in done.stderr
    assert "saved what arrived" not in done.stderr
    first = done.stderr.splitlines()[0]
    # a full disk is SQLITE_FULL; a write wholly past the limit fails with EFBIG, which SQLite calls an I/O error
    assert re.match(r"appam: the answer was NOT saved: (disk full|disk I/O error) \(", first), first
    assert str(appam_home / "sessions.db") in first
    assert answer in done.stderr  # the unsaved text is not lost
    copies = [p for p in recovery_dir.rglob("*") if p.is_file()]
    if limit > 200_000:
        assert len(copies) == 1 and str(copies[0]) in done.stderr.splitlines()[-1]
        kept = json.loads(copies[0].read_text())
        assert kept["messages"][-1]["content"] == answer
    else:  # the copy could not be written either: none is named, none is left half-written
        assert copies == []
        assert str(recovery_dir) not in done.stderr
    # what the store holds is true: the prompt, and at most an answer marked incomplete
    with opened(appam_home) as history:
        (summary,) = [s for s in history.list_sessions() if s.title == "write a lot"]
        session = history.load_session(summary.session_id)
    assert session.status != "completed"
    assert [m.role for m in session.messages][:1] == ["user"]
    for message in session.messages[1:]:
        # content None: the row reserved for the answer, which no checkpoint reached before the disk filled
        assert message.status == "incomplete" and answer.startswith(message.content or "")


@pytest.mark.e2e
def test_a_chat_whose_answer_the_full_disk_refused_says_so_and_claims_nothing(provider, appam_home):
    save(appam_home, make_session())
    provider.enqueue(Reply(LONG, chunk_delay=0.005))
    done = subprocess.run(
        [APPAM, "chat", "-m", "openai/test-model", "--api-base", provider.url], input="write a lot\n",
        env=env_for(appam_home, APPAM_PROVIDER_WORKER="0"), capture_output=True, text=True, timeout=120,
        preexec_fn=file_size_limit(120_000),
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"^appam: the answer was NOT saved: (disk full|disk I/O error) \(", done.stderr, re.M), done.stderr
    assert "continue it with" not in done.stderr
    assert "".join(LONG).strip() in done.stdout  # shown in full all the same
