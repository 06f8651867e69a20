import _posixsubprocess
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

try:  # tests/ on sys.path (rootdir conftest, no tests/__init__.py)
    from provider_server import ProviderServer
except ImportError:  # tests/ imported as a package
    from tests.provider_server import ProviderServer

# ============================================================================
# Provider server fixtures (tests/provider_server.py) — keep this block first.
# ============================================================================


@pytest.fixture(scope="session")
def provider_server() -> Iterator[ProviderServer]:
    """One scripted OpenAI-compatible server for the whole test session."""
    with ProviderServer() as server:
        yield server


@pytest.fixture
def provider(provider_server: ProviderServer) -> Iterator[ProviderServer]:
    """The session's provider server, with an empty script and request log.
    Use ``provider.url`` as api_base with ``openai/<name>`` models."""
    provider_server.reset()
    yield provider_server
    provider_server.reset()


# ============================================================================
# End of provider server fixtures. Other fixtures go below.
# ============================================================================

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "DEEPSEEK_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
)
# Chosen for the whole run, not per test: the shared provider worker's folder, and whether it is on.
KEPT_ENV = ("APPAM_HOME", "APPAM_WORKER_DIR", "APPAM_PROVIDER_WORKER")
TESTS_DIR = Path(__file__).parent
APPAM = str(Path(sys.executable).with_name("appam"))


def worker_on() -> bool:
    return os.environ.get("APPAM_PROVIDER_WORKER", "1").strip().lower() not in ("0", "false", "no", "off")


@pytest.fixture(scope="session", autouse=True)
def shared_worker() -> Iterator[Path | None]:
    """One provider worker for the whole run (each test has its own APPAM_HOME, and a worker per
    test would cost ~2 s each): ``APPAM_WORKER_DIR`` names its folder, for in-process commands and
    every `appam` process the tests start. ``APPAM_PROVIDER_WORKER=0 pytest`` runs it all in-process.
    Tests of the worker's own life cycle take APPAM_WORKER_DIR away and start their own."""
    if not worker_on():
        yield None
        return
    import tempfile

    from appam_cli.providers import worker_control
    from appam_cli.providers.worker_place import Place

    folder = Path(tempfile.mkdtemp(prefix="appam-w-"))
    previous = os.environ.get("APPAM_WORKER_DIR")
    os.environ["APPAM_WORKER_DIR"] = str(folder)
    place = Place(folder)
    status = worker_control.start(place, warm_model="openai/test-model", idle=300)  # a killed run leaves it 5 min at most
    assert status.running, f"the shared provider worker did not start in {folder}"
    try:
        yield folder
    finally:
        worker_control.stop(place)
        if previous is None:
            os.environ.pop("APPAM_WORKER_DIR", None)
        else:
            os.environ["APPAM_WORKER_DIR"] = previous
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def appam_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own APPAM_HOME (config + database) and no real API keys."""
    home = tmp_path / "appam-home"
    monkeypatch.setenv("APPAM_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("APPAM_") and name not in KEPT_ENV:
            monkeypatch.delenv(name)
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APPAM_RETRY_MAX_WAIT", "2")
    monkeypatch.setenv("COLUMNS", "100")
    return home


# Python's platform module runs `uname -p` once per interpreter, the first time the processor is
# asked for (the openai client asks on its first request): done here, before any test is guarded.
platform.processor()


@pytest.fixture(autouse=True)
def in_process_unless_e2e(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that starts a process (subprocess, pty, the provider worker, a shell) must be marked
    ``e2e``: then ``pytest -m "not e2e"`` is really the in-process part. Every way Python starts a
    process goes through one of these calls; an attempt fails the test even if the code under
    test catches the error."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    attempts: list[str] = []

    def refuse(name: str):
        def start(*args, **kwargs):
            attempts.append(name)
            raise AssertionError(f"{request.node.nodeid} starts a process ({name}): mark it @pytest.mark.e2e")

        return start

    for module, name in (
        (os, "fork"), (os, "forkpty"), (os, "posix_spawn"), (os, "posix_spawnp"), (os, "system"),
        (_posixsubprocess, "fork_exec"), (subprocess, "_fork_exec"),
    ):
        if hasattr(module, name):
            monkeypatch.setattr(module, name, refuse(f"{module.__name__}.{name}"))
    yield
    assert not attempts, f"{request.node.nodeid} started a process ({', '.join(attempts)}): mark it @pytest.mark.e2e"


@pytest.fixture
def write_config(appam_home: Path):
    """``write_config(text)``: the test's ``config.toml`` (under APPAM_HOME) holds ``text``."""

    def write(text: str) -> Path:
        appam_home.mkdir(parents=True, exist_ok=True)
        path = appam_home / "config.toml"
        path.write_text(text)
        return path

    return write


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def appam_lines(self) -> list[str]:
        """The ``appam: …`` lines on stderr (errors and warnings)."""
        return [line for line in self.stderr.splitlines() if line.startswith("appam:")]

    def error_line(self, *fragments: str, code: int = 1) -> str:
        """Exit ``code`` with no exception, no traceback and one ``appam: …`` line on stderr that holds
        every fragment; that line."""
        assert self.exit_code == code, (self.exit_code, self.stdout, self.stderr)
        assert self.exception is None, repr(self.exception)
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("appam: "), self.stderr
        assert "Traceback" not in self.stderr
        for fragment in fragments:
            assert fragment in lines[0], lines[0]
        return lines[0]


class Cli:
    """Run ``appam`` in-process through Typer's test runner."""

    def __init__(self, home: Path, server: ProviderServer | None) -> None:
        self.home = home
        self.server = server

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> CliResult:
        from appam_cli.cli.app import app

        runner = CliRunner()
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=True)
        exc = result.exception if not isinstance(result.exception, SystemExit) else None
        return CliResult(result.exit_code, result.stdout, result.stderr, exc)

    def run(self, *args: str, model: str = "openai/test-model", **kwargs) -> CliResult:
        """``appam run`` against the loopback server."""
        assert self.server is not None
        return self(
            "run", *args, "-m", model, "--api-base", self.server.url, "--retries", "2", **kwargs
        )


@pytest.fixture
def cli(appam_home: Path, provider: ProviderServer) -> Cli:
    return Cli(appam_home, provider)


@pytest.fixture
def offline_cli(appam_home: Path) -> Cli:
    """The CLI without the provider server (store-only commands)."""
    return Cli(appam_home, None)


@pytest.fixture(autouse=True)
def no_terminal_to_ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in the test process never asks the terminal pytest runs in (a tool approval
    would wait for a key): the approval prompt's terminal is a path that does not exist, so there
    is no asker. Tests of the prompt give it their own streams, or run appam in a pty (e2e)."""
    from appam_cli.cli import approval_prompt

    monkeypatch.setattr(approval_prompt, "TTY_PATH", str(tmp_path / "no-terminal"))
