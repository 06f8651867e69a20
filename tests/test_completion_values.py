"""Tab completes values: session ids (titles beside them in zsh and fish), model names and
aliases after -m, and the allowed values of --by, --status, --role, --format, --provider.

Each request is the one a shell's completion script sends (see test_completions.py), answered by
the installed ``appam`` as a subprocess.
"""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import APPAM
from import_report import NOT_FOR_HELP, assert_light, run_appam
from sessions_store import make_session, save
from test_completions import TIMEOUT, _complete, _needs, _shell_env

from appam_cli.cli.completion import COMPLETE_VAR

pytestmark = pytest.mark.e2e  # every request runs `appam` as a process

ALIASES = """
[aliases]
fast = "groq/llama-3.3-70b-versatile"
fancy = "anthropic/claude-sonnet-4-5"

[profiles.local]
api_base = "http://127.0.0.1:9/v1"
models = ["qwen2.5-coder", "llama-3.2"]
"""


def bash_words(words: str, **extra: str) -> list[str]:
    proc = _complete("bash", words, **extra)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


def fish_pairs(words: str) -> list[tuple[str, str]]:
    proc = _complete("fish", words)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [tuple(line.split("\t", 1)) if "\t" in line else (line, "") for line in proc.stdout.splitlines()]


@pytest.fixture
def three_sessions(appam_home: Path) -> list[str]:
    """Three sessions, newest last: ids in the order `appam sessions list` shows them (newest first)."""
    old = save(appam_home, make_session("an old question about tides"), age=timedelta(days=3))
    middle = save(appam_home, make_session("[bold]not markup[/bold]\tand\x1b[31m a control"), age=timedelta(days=2))
    long = make_session("newest question")
    long.title = "newest: " + "long title " * 20  # as `sessions rename` may set it
    newest = save(appam_home, long)
    return newest + middle + old


# -- session ids ------------------------------------------------------------------------------


def test_session_ids_newest_first_after_last(three_sessions: list[str]) -> None:
    newest, middle, old = three_sessions
    assert bash_words("appam sessions show ") == ["last", newest, middle, old]
    # Every command that takes a session id offers them.
    for words in (
        "appam continue ",
        "appam chat --session ",
        "appam sessions export ",
        "appam sessions delete ",
        f"appam sessions delete {old} ",  # several ids
        "appam sessions rename ",
    ):
        assert bash_words(words)[1:] == [newest, middle, old], words


def test_a_prefix_narrows_the_ids(three_sessions: list[str]) -> None:
    newest, middle, old = three_sessions
    assert bash_words(f"appam sessions show {middle[:6]}") == [middle]
    assert bash_words(f"appam continue {old[:1]}") == [s for s in three_sessions if s[0] == old[0]]
    assert bash_words("appam sessions show la") == ["last"]
    assert bash_words("appam sessions show zz") == []


def test_titles_are_the_descriptions_on_one_plain_line(three_sessions: list[str]) -> None:
    newest, middle, old = three_sessions
    pairs = fish_pairs("appam sessions show ")
    assert [value for value, _ in pairs] == ["last", newest, middle, old]
    described = dict(pairs)
    assert described[old] == "an old question about tides"
    # Shown as written: markup is text, control characters and tabs are gone, one line.
    assert described[middle] == "[bold]not markup[/bold] and [31m a control"
    assert described[newest].startswith("newest: long title") and described[newest].endswith("…")
    assert len(described[newest]) <= 60
    assert described["last"].startswith("the most recent: newest: long title")

    proc = _complete("zsh", "appam sessions show ")
    assert proc.returncode == 0, proc.stderr
    body = proc.stdout
    assert f'"{old}":"an old question about tides"' in body
    assert f'"{middle}":"[bold]not markup[/bold] and [31m a control"' in body
    assert len(body.strip().splitlines()) == 4  # one line per candidate


def test_no_store_no_ids_and_nothing_created(appam_home: Path) -> None:
    assert bash_words("appam sessions show ") == []
    assert not (appam_home / "sessions.db").exists()


def test_a_broken_config_or_store_offers_nothing_quietly(appam_home: Path, three_sessions, write_config) -> None:
    write_config("model = 3\n[bogus\n")
    assert bash_words("appam sessions show ") == []
    assert bash_words("appam run -m gpt-4o-mini-2024") == ["gpt-4o-mini-2024-07-18"]  # the price map still
    (appam_home / "config.toml").unlink()
    (appam_home / "sessions.db").write_bytes(b"not a database" * 100)
    for name in ("sessions.db-wal", "sessions.db-shm"):
        (appam_home / name).unlink(missing_ok=True)
    assert bash_words("appam sessions show ") == []


def test_a_store_named_by_its_url_is_the_one_read(appam_home: Path, tmp_path: Path, three_sessions) -> None:
    other = tmp_path / "elsewhere.db"
    os.replace(appam_home / "sessions.db", other)
    for name in ("sessions.db-wal", "sessions.db-shm"):
        (appam_home / name).unlink(missing_ok=True)
    assert bash_words("appam sessions show ") == []
    assert bash_words("appam sessions show ", APPAM_DATABASE_URL=f"sqlite:///{other}")[1:] == three_sessions


# -- models --------------------------------------------------------------------------------------


def test_models_after_m_are_chat_models_only() -> None:
    names = bash_words("appam run -m gpt-4o-mini-")
    assert "gpt-4o-mini-2024-07-18" in names and "gpt-4o-mini-search-preview" in names
    for not_chat in ("gpt-4o-mini-tts", "gpt-4o-mini-transcribe", "gpt-4o-mini-realtime-preview",
                     "gpt-4o-mini-audio-preview-2024-12-17"):
        assert not_chat not in names
    assert "fallback_generalizations" not in bash_words("appam run -m f")
    assert not [n for n in bash_words("appam run -m fireworks-ai") if n.startswith("fireworks-ai-")]
    # A provider's bare names, written with its prefix as litellm takes them.
    assert "anthropic/claude-sonnet-4-5" in bash_words("appam run -m anthropic/claude-sonnet-4-")
    # Every option that takes a model.
    for words in ("appam chat -m gpt-4o-mini-2024", "appam continue --model gpt-4o-mini-2024",
                  "appam usage -m gpt-4o-mini-2024", "appam sessions list --model gpt-4o-mini-2024",
                  "appam config show -m gpt-4o-mini-2024"):
        assert bash_words(words) == ["gpt-4o-mini-2024-07-18"], words


def test_aliases_and_profile_models_come_first(write_config) -> None:
    write_config(ALIASES)
    names = bash_words("appam run -m f")
    assert names[:2] == ["fancy", "fast"] and len(names) > 2
    assert bash_words("appam chat -m local/") == ["local/qwen2.5-coder", "local/llama-3.2"]
    described = dict(fish_pairs("appam run -m fa"))
    assert described["fast"] == "alias of groq/llama-3.3-70b-versatile"
    assert dict(fish_pairs("appam run -m local/q"))["local/qwen2.5-coder"] == "profile local (http://127.0.0.1:9/v1)"


# -- allowed values ------------------------------------------------------------------------------


def test_allowed_values_of_the_options() -> None:
    from appam_cli.cli.transfer_cmd import ExportFormat
    from appam_cli.datamodel.message import ROLES
    from appam_cli.datamodel.status import SessionStatus
    from appam_cli.store.reports import BY

    assert bash_words("appam usage --by ") == list(BY)
    assert bash_words("appam usage --by s") == [b for b in BY if b.startswith("s")]
    assert set(bash_words("appam sessions list --status ")) == {s.value for s in SessionStatus}
    assert set(bash_words("appam sessions search word --role ")) == set(ROLES)
    assert bash_words("appam sessions export --format ") == [f.value for f in ExportFormat]
    providers = bash_words("appam models --provider ")
    assert {"openai", "anthropic", "gemini", "ollama"} <= set(providers)
    assert bash_words("appam models --provider anthrop") == ["anthropic"]
    described = dict(fish_pairs("appam usage --by "))
    assert described["served-model"] == "per model the server says answered"


def test_every_id_model_and_choice_parameter_completes() -> None:
    """Options and arguments added later get completion too (or this test names them)."""
    import typer

    from appam_cli.cli.app import app

    wanted = {"model", "session_id", "session_ids", "by", "status", "role", "provider"}
    missing = []

    def walk(command, path: str) -> None:
        for param in command.params:
            if param.name in wanted and param._custom_shell_complete is None:
                missing.append(f"{path} {param.name}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "appam")
    assert not missing, f"no completion for: {missing}"


# -- light ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, expected",
    [
        ("appam sessions show ", r'"last":"the most recent\\: newest\\: long title'),  # zsh escapes ":"
        ("appam run -m fa", '"fast":"alias of groq/llama-3.3-70b-versatile"'),
        ("appam run -m claude-sonnet-4", '"claude-sonnet-4-5"'),
        ("appam models --provider o", '"openai":"'),
        ("appam usage --by ", '"day":"per UTC day"'),
    ],
)
def test_value_completion_stays_light(words: str, expected: str, three_sessions, write_config) -> None:
    """No litellm, sqlmodel or prompt_toolkit, and no Rich either (zsh's descriptions are plain)."""
    write_config(ALIASES)
    run = run_appam(env={**os.environ, COMPLETE_VAR: "complete_zsh", "_TYPER_COMPLETE_ARGS": words})
    assert run.returncode == 0 and expected in run.stdout, (run.stdout, run.stderr)
    assert_light(run, NOT_FOR_HELP + ("rich",))


# -- installing: `appam completion SHELL`, and a real bash -------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_checked_in_script(shell: str) -> None:
    from test_completions import COMPLETIONS

    from appam_cli.cli.completion import FILE_NAMES

    proc = subprocess.run([APPAM, "completion", shell], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (COMPLETIONS / FILE_NAMES[shell]).read_text(encoding="utf-8")


def test_completion_command_refuses_another_shell() -> None:
    proc = subprocess.run([APPAM, "completion", "tcsh"], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2 and not proc.stdout
    assert "tcsh" in proc.stderr and "bash" in proc.stderr
    assert bash_words("appam completion ") == ["bash", "zsh", "fish"]


def test_real_bash_completes_ids_and_models_through_the_installed_line(
    tmp_path: Path, three_sessions: list[str], write_config
) -> None:
    """The README's bash line (the script from `appam completion bash`), then Tab in a real bash."""
    bash = _needs("bash")
    write_config(ALIASES)
    probe = r"""
source <(appam completion bash) || exit 9
ask() {  # ask WORD... : complete the last word as bash would, print COMPREPLY one per line
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    COMPREPLY=()
    _appam_completion appam "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "== $*"
    printf '%s\n' "${COMPREPLY[@]}"
}
ask appam continue ''
ask appam run -m fa
ask appam usage --by se
"""
    proc = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", probe],
        env={**_shell_env(tmp_path), "APPAM_HOME": os.environ["APPAM_HOME"]},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    blocks = {block.split("\n", 1)[0]: [c for c in block.split("\n")[1:] if c] for block in proc.stdout.split("== ")[1:]}
    assert blocks["appam continue "] == ["last", *three_sessions], proc.stdout
    assert blocks["appam run -m fa"][:2] == ["fancy", "fast"], proc.stdout
    assert blocks["appam usage --by se"] == ["served-model", "session"], proc.stdout
