"""The shared provider worker's life: start, reuse, idle exit, replacement, stop; what a dead, hung
or stale worker does to a request (it is answered in-process, or marked incomplete once sent);
several clients at once with their own keys; the socket's folder and permissions; a client
killed mid-stream. Each test here has a worker of its own (its own folder), not the session's.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import APPAM
from provider_server import Reply

from appam_cli.datamodel import RequestOptions
from appam_cli.providers import ProviderRequest, StreamResult, TextDelta, worker_control
from appam_cli.providers.remote import ProviderWorker
from appam_cli.providers.worker_place import Place, identity, pid_alive

pytestmark = pytest.mark.e2e  # worker processes

SLOW = [f"word{i} " for i in range(200)]


@pytest.fixture
def place(monkeypatch):
    """A folder of this test's own for the worker (short: under the temp folder), stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="appam-t-"))
    monkeypatch.setenv("APPAM_WORKER_DIR", str(folder))
    p = Place(folder)
    yield p
    pid = p.read_state().get("pid")
    worker_control.stop(p)
    if isinstance(pid, int) and pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def request(provider, model: str = "openai/test-model") -> ProviderRequest:
    return ProviderRequest(
        messages=[{"role": "user", "content": "hi"}],
        options=RequestOptions(model=model, api_base=provider.url, retries=0),
    )


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_for(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_started_on_demand_reused_and_stopped(provider, place):
    assert not worker_control.status(place).running
    events = list(ProviderWorker(place=place).stream_chat(request(provider)))
    assert text_of(events) == "echo: hi" and events[-1].finish_reason == "stop"
    first = worker_control.status(place)
    assert first.running and first.current and pid_alive(first.pid)

    events = list(ProviderWorker(place=place).stream_chat(request(provider)))
    assert text_of(events) == "echo: hi"
    assert worker_control.status(place).pid == first.pid  # the same worker, not a new one

    # Private: the folder 0700, the socket 0600; the worker's own environment holds no key.
    assert os.stat(place.folder).st_mode & 0o777 == 0o700
    assert os.stat(place.socket).st_mode & 0o777 == 0o600
    environ = Path(f"/proc/{first.pid}/environ").read_bytes()
    assert b"OPENAI_API_KEY" not in environ and b"sk-" not in environ

    assert worker_control.stop(place) == first.pid
    assert not pid_alive(first.pid)
    assert not os.path.exists(place.socket) and not worker_control.status(place).running
    assert worker_control.stop(place) is None


def test_idle_exit(provider, place):
    list(ProviderWorker(place=place, idle=2.0).stream_chat(request(provider)))
    pid = place.read_state().get("pid")
    assert pid_alive(pid)
    wait_for(lambda: not pid_alive(pid), "the idle worker to exit")
    assert not os.path.exists(place.socket)


def test_another_version_is_replaced_and_its_stream_finishes(provider, place):
    old = subprocess.Popen(
        [sys.executable, "-c",
         "import appam_cli, sys; appam_cli.__version__ = '0.0.1'\n"
         "from appam_cli.providers import worker_place\n"  # installed before today's code was written
         "real = worker_place.identity\n"
         "worker_place.identity = lambda: {**real(), 'code': real()['code'] - 1}\n"
         "from appam_cli.providers.worker import main; sys.exit(main(['--warm', 'openai/test-model']))"],
        env=dict(os.environ), start_new_session=True,
    )
    wait_for(lambda: worker_control.status(place).running, "the old worker", timeout=60)
    old_status = worker_control.status(place)
    assert old_status.info["version"] == "0.0.1" and not old_status.current

    provider.enqueue(Reply(SLOW[:40], chunk_delay=0.05))
    old_client = ProviderWorker(place=place, ident={**identity(), "version": "0.0.1", "code": identity()["code"] - 1})
    streaming = old_client.stream_chat(request(provider))
    first = next(streaming)
    assert isinstance(first, TextDelta)

    events = list(ProviderWorker(place=place).stream_chat(request(provider)))  # this version's
    assert text_of(events) == "echo: hi"
    new = worker_control.status(place)
    assert new.current and new.pid != old.pid
    assert old.wait(10) == 0  # the old worker stopped listening and exited ...
    rest = list(streaming)  # ... and the answer it was streaming still finished
    assert rest[-1].finish_reason == "stop" and first.text + text_of(rest) == "".join(SLOW[:40])


def test_a_stale_socket_or_a_killed_worker_is_replaced(provider, place):
    place.prepare()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(place.socket)  # bound, never listening: what a killed worker leaves
    stale.close()
    assert text_of(ProviderWorker(place=place).stream_chat(request(provider))) == "echo: hi"
    pid = worker_control.status(place).pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not pid_alive(pid), "the killed worker")
    assert os.path.exists(place.socket)
    assert text_of(ProviderWorker(place=place).stream_chat(request(provider))) == "echo: hi"
    assert worker_control.status(place).pid not in (None, pid)


def test_a_worker_killed_mid_answer_is_an_incomplete_answer_never_resent(provider, place):
    worker = ProviderWorker(place=place)
    assert worker.wait_ready(60)
    daemon = worker_control.status(place).pid
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    events = worker.stream_chat(request(provider))
    assert isinstance(next(events), TextDelta)
    for child in children(daemon):  # the one serving this request (and any status child finishing)
        os.kill(child, signal.SIGKILL)
    rest = list(events)
    assert isinstance(rest[-1], StreamResult) and rest[-1].finish_reason is None
    assert "worker stopped unexpectedly" in rest[-1].error
    assert len(provider.chat_requests) == 1  # not sent again


def test_a_hung_worker_falls_back_to_this_process(provider, place, monkeypatch):
    """A worker that accepts but never answers: the request is answered here within seconds."""
    place.prepare()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(place.socket)
    listener.listen(8)
    place.write_state(pid=os.getpid(), state="ready")
    try:
        notices: list[str] = []
        worker = ProviderWorker(place=place, debug=True, notice=notices.append)
        started = time.monotonic()
        events = list(worker.stream_chat(request(provider)))
        assert text_of(events) == "echo: hi"
        assert time.monotonic() - started < 30  # 3 s for the hello, then litellm's import here (a loaded CI)
        assert notices and "did not answer" in notices[0] and "answering in this process" in notices[0]
    finally:
        listener.close()
        place.state.unlink()  # it names this process: `worker stop` would end it


def test_a_folder_that_is_not_private_is_never_used(provider, tmp_path, monkeypatch):
    """A symlinked folder (someone else's socket could be behind it): not connected to, not started in."""
    real = Path(tempfile.mkdtemp(prefix="appam-r-"))
    link = tmp_path / "w"
    link.symlink_to(real)
    monkeypatch.setenv("APPAM_WORKER_DIR", str(link))
    worker = ProviderWorker(place=Place(link))
    assert text_of(worker.stream_chat(request(provider))) == "echo: hi"
    assert "not a folder of this user's" in (worker.why_not or "")
    assert not any(real.iterdir())


def test_cli_falls_back_quietly_and_says_why_under_debug(provider, tmp_path, appam_home):
    link = tmp_path / "w"
    link.symlink_to(tmp_path)
    env = dict(os.environ, APPAM_HOME=str(appam_home), APPAM_WORKER_DIR=str(link), APPAM_PROVIDER_WORKER="1")
    args = [APPAM, "run", "hello", "-m", "openai/test-model", "--api-base", provider.url]
    quiet = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert quiet.returncode == 0 and "echo: hello" in quiet.stdout and "worker" not in quiet.stderr
    loud = subprocess.run([*args, "--debug"], capture_output=True, text=True, env=env, timeout=120)
    assert loud.returncode == 0 and "answering in this process" in loud.stderr


def test_four_clients_at_once_each_with_its_own_key_and_model(provider, shared_worker, appam_home):
    if shared_worker is None:
        pytest.skip("the provider worker is off")
    provider.default = lambda body: Reply([f"{body['model']} ", *SLOW[:10]], chunk_delay=0.03)
    try:
        procs = []
        for i in range(4):
            env = dict(os.environ, APPAM_HOME=str(appam_home), OPENAI_API_KEY=f"sk-client-{i}")
            procs.append(subprocess.Popen(
                [APPAM, "run", f"client {i}", "-m", f"openai/model-{i}", "--api-base", provider.url, "--raw"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
            ))
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        provider.default = None
    for i, (proc, (out, err)) in enumerate(zip(procs, outs, strict=True)):
        assert proc.returncode == 0, err
        assert out.startswith(f"model-{i} word0")
    seen = {(r.body["model"], r.api_key) for r in provider.chat_requests}
    assert seen == {(f"model-{i}", f"sk-client-{i}") for i in range(4)}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_a_client_killed_mid_stream_cancels_the_provider_request(provider, shared_worker, appam_home, sig):
    if shared_worker is None:
        pytest.skip("the provider worker is off")
    provider.enqueue(Reply(SLOW, chunk_delay=0.05))
    env = dict(os.environ, APPAM_HOME=str(appam_home))
    proc = subprocess.Popen(
        [APPAM, "run", "count", "-m", "openai/test-model", "--api-base", provider.url, "--raw"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
    )
    seen = b""
    while b"word5 " not in seen:
        chunk = os.read(proc.stdout.fileno(), 4096)
        assert chunk, proc.stderr.read()
        seen += chunk
    killed = time.time()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    wait_for(lambda: provider.disconnects, "the provider to see the connection closed", timeout=5)
    assert provider.disconnects[0] - killed < 3  # not the ~10 s the rest of the answer would take


def test_worker_commands_under_appam_home(appam_home, monkeypatch):
    """Without APPAM_WORKER_DIR the worker lives under APPAM_HOME (a long path: a short hashed socket)."""
    env = {k: v for k, v in os.environ.items() if k != "APPAM_WORKER_DIR"}
    env["APPAM_HOME"] = str(appam_home)

    def appam(*args: str) -> str:
        done = subprocess.run([APPAM, "worker", *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        assert appam("status").startswith("no worker running")
        started = appam("start")
        assert started.startswith("worker running · pid ") and "exits after 600 s" in started
        assert appam("status") .startswith("worker running")
        assert (appam_home / "worker").stat().st_mode & 0o777 == 0o700
    finally:
        stopped = appam("stop")
    assert stopped.startswith("worker stopped (pid ")
    assert appam("stop") == "no worker running\n"


def test_a_long_folder_gets_a_short_hashed_socket():
    long = Place(Path("/tmp") / ("x" * 120))
    assert len(long.socket.encode()) < 100
    assert long.socket.startswith(str(Path(tempfile.gettempdir()) / f"appam-{os.getuid()}"))
    assert Place(Path("/tmp") / ("y" * 120)).socket != long.socket
    assert Place(Path("/tmp/short")).socket == "/tmp/short/worker.sock"


def test_worker_settings_are_strict(write_config, monkeypatch):
    from appam_cli.config import load_settings
    from appam_cli.errors import UserError

    monkeypatch.delenv("APPAM_PROVIDER_WORKER", raising=False)  # the run's own choice, kept by conftest
    assert load_settings().worker is True and load_settings().worker_idle == 600.0
    write_config("worker = false\nworker_idle = 30\n")
    assert load_settings().worker is False and load_settings().worker_idle == 30.0
    monkeypatch.setenv("APPAM_PROVIDER_WORKER", "1")
    monkeypatch.setenv("APPAM_WORKER_IDLE", "5.5")
    assert load_settings().worker is True and load_settings().worker_idle == 5.5
    for text, fragment in [("worker = 'nope'\n", "is not true or false"), ("worker_idle = 0\n", "more than 0"),
                           ("worker_idle = 'x'\n", "is not seconds")]:
        monkeypatch.delenv("APPAM_PROVIDER_WORKER")
        monkeypatch.delenv("APPAM_WORKER_IDLE")
        write_config(text)
        with pytest.raises(UserError, match=fragment):
            load_settings()
        monkeypatch.setenv("APPAM_PROVIDER_WORKER", "1")
        monkeypatch.setenv("APPAM_WORKER_IDLE", "5.5")


def test_an_unanswered_estimate_is_rough_not_an_import(place, monkeypatch):
    worker = ProviderWorker(place=place)
    usage = worker.estimate_usage("gpt-4o-mini", [{"role": "user", "content": "hello " * 40}], "an answer")
    assert usage.estimated and usage.input_tokens > 0
    assert not worker_control.status(place).running  # an estimate never starts a worker





def test_proxy_settings_travel_with_each_request(provider, shared_worker, appam_home):
    """The worker starts with none of the caller's environment: a proxy named in one command's
    environment is used for that command's request, and not for the next command's."""
    if shared_worker is None:
        pytest.skip("the provider worker is off")
    far = "http://api.far-away.invalid/v1"  # reachable only through the proxy
    base = dict(os.environ, APPAM_HOME=str(appam_home), OPENAI_API_KEY="sk-proxied")
    for name in ("NO_PROXY", "ALL_PROXY", "HTTP_PROXY"):  # whatever this machine routes through
        base.pop(name, None)
        base.pop(name.lower(), None)
    provider.enqueue(Reply("through the proxy"))
    through = subprocess.run(
        [APPAM, "run", "q", "-m", "openai/test-model", "--api-base", far, "--raw", "--retries", "0"],
        env={**base, "HTTP_PROXY": provider.root_url, "http_proxy": provider.root_url},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert through.returncode == 0, through.stderr
    assert through.stdout == "through the proxy\n"
    assert [r.proxied_for for r in provider.chat_requests] == ["api.far-away.invalid"]
    direct = subprocess.run(
        [APPAM, "run", "q", "-m", "openai/test-model", "--api-base", far, "--raw", "--retries", "0"],
        env=base,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert direct.returncode == 3 and "host not found" in direct.stderr, direct.stderr
    assert len(provider.chat_requests) == 1  # the second command did not go through the proxy


IMPOSTOR = """
import os, socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
os.setgid(65534)
os.setuid(65534)  # listening as another user: what SO_PEERCRED then reports
server.listen(4)
server.settimeout(20)
print("listening", flush=True)
got = 0
try:
    while True:
        conn, _ = server.accept()
        conn.settimeout(2)
        try:
            got += len(conn.recv(65536))
        except OSError:
            pass
        conn.close()
        print(got, flush=True)
except OSError:
    pass
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to serve the socket as another user")
def test_a_socket_served_by_another_user_gets_nothing(provider, place):
    """A socket in the worker's place that another user serves (put there in a race, say) is
    never sent a byte, neither a request with the keys nor a status question: the request is
    answered in this process instead."""
    place.folder.mkdir(mode=0o700, exist_ok=True)
    impostor = subprocess.Popen(
        [sys.executable, "-c", IMPOSTOR, place.socket], stdout=subprocess.PIPE, text=True
    )
    try:
        assert impostor.stdout is not None and impostor.stdout.readline().strip() == "listening"
        assert not worker_control.status(place).running
        provider.enqueue(Reply("answered here"))
        worker = ProviderWorker(place=place)
        assert text_of(worker.stream_chat(request(provider))) == "answered here"
        assert worker.why_not is not None and "another user" in worker.why_not
    finally:
        impostor.kill()
        out, _ = impostor.communicate()
    assert all(line.strip() == "0" for line in out.splitlines() if line.strip()), out


def test_an_appam_older_than_the_install_answers_in_process_and_leaves_the_worker(provider, place):
    """A chat left open across an upgrade: its memory is the old version, the worker (and the disk)
    the new one. Replacing the worker would only start another of the installed version; the old
    chat answers in-process and the worker keeps serving everyone else."""
    provider.enqueue(Reply("warm"))
    assert text_of(ProviderWorker(place=place).stream_chat(request(provider))) == "warm"
    running = worker_control.status(place)
    assert running.running and running.current
    provider.enqueue(Reply("answered here"))
    stale = ProviderWorker(place=place, ident={**identity(), "version": "0.0.1"})
    assert text_of(stale.stream_chat(request(provider))) == "answered here"
    assert stale.why_not is not None and "older than the one installed" in stale.why_not
    after = worker_control.status(place)
    assert after.running and after.pid == running.pid
