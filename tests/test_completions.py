"""Shell completion: the checked-in scripts are fresh, and Tab really completes.

Three levels:
- freshness: ``completions/appam.{bash,zsh,fish}`` equal what the generator makes now;
- protocol: the installed ``appam`` answers the requests each shell's script sends
  (the environment variables Typer/Click read), as a subprocess;
- end to end: a real bash / zsh / fish loads the checked-in script and completes
  (skipped when that shell is not installed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import APPAM

from appam_cli.cli.completion import COMPLETE_VAR, FILE_NAMES, REGENERATE, SHELLS, completion_script

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
BIN_DIR = Path(APPAM).parent
TIMEOUT = 30


def _env(**extra: str) -> dict[str, str]:
    """The test's environment (APPAM_HOME from the autouse fixture), with the installed appam first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("_TYPER_") and k != COMPLETE_VAR}
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _complete(shell: str, words: str, *, cword: int | None = None, **extra: str) -> subprocess.CompletedProcess:
    """Ask the installed appam for candidates exactly as ``shell``'s completion script does."""
    if shell == "bash":
        if cword is None:  # the word under the cursor is the last one (empty after a trailing space)
            cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        request = {COMPLETE_VAR: "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    elif shell == "zsh":
        request = {COMPLETE_VAR: "complete_zsh", "_TYPER_COMPLETE_ARGS": words}
    elif shell == "fish":
        request = {COMPLETE_VAR: "complete_fish", "_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    else:  # pragma: no cover
        raise ValueError(shell)
    env = _env(**{**request, **extra})
    return subprocess.run(
        [APPAM], env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )


def _top_level_commands() -> list[str]:
    """Visible command names of the Typer app (so commands added later are covered too)."""
    import typer

    from appam_cli.cli.app import app

    group = typer.main.get_command(app)
    return sorted(name for name, cmd in group.commands.items() if not cmd.hidden)


# -- freshness ----------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_checked_in_script_is_fresh(shell: str) -> None:
    path = COMPLETIONS / FILE_NAMES[shell]
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: generate it with `{REGENERATE}`"
    assert path.read_text(encoding="utf-8") == completion_script(shell), (
        f"{path.relative_to(ROOT)} is stale (Typer's template or the generator changed): "
        f"regenerate it with `{REGENERATE}` and commit the result"
    )


@pytest.mark.e2e
def test_regenerate_command_writes_the_checked_in_files(tmp_path: Path) -> None:
    """The documented command works, and its output does not depend on the user's $SHELL."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "appam_cli.cli.completion", "--write", str(out)],
        env=_env(SHELL="/usr/bin/fish"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES.values())
    for shell in SHELLS:
        name = FILE_NAMES[shell]
        assert (out / name).read_text(encoding="utf-8") == (COMPLETIONS / name).read_text(encoding="utf-8"), name


@pytest.mark.e2e
def test_print_one_script_and_usage_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "appam_cli.cli.completion", "zsh"], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0 and proc.stdout == completion_script("zsh")
    bad = subprocess.run(
        [sys.executable, "-m", "appam_cli.cli.completion", "tcsh"], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert bad.returncode == 2 and "usage:" in bad.stderr
    with pytest.raises(ValueError, match="unsupported shell"):
        completion_script("tcsh")


def test_scripts_say_how_to_install_and_regenerate() -> None:
    bash = completion_script("bash")
    assert "source " in bash and "~/.local/share/bash-completion/completions/appam" in bash
    zsh = completion_script("zsh")
    assert zsh.startswith("#compdef appam\n"), "zsh only autoloads files whose first line is #compdef"
    assert "fpath" in zsh
    assert "~/.config/fish/completions/" in completion_script("fish")
    for shell in SHELLS:
        script = completion_script(shell)
        assert REGENERATE in script
        assert f"{COMPLETE_VAR}=complete_{shell}" in script


# -- protocol: what each shell's script asks, answered by the installed program ------


@pytest.mark.e2e
def test_bash_protocol_completes_commands_subcommands_and_options(appam_home: Path) -> None:
    started = time.perf_counter()
    proc = _complete("bash", "appam ses", cword=1)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["sessions"]
    print(f"bash completion request: {elapsed * 1000:.0f} ms")

    proc = _complete("bash", "appam sessions ", cword=2)
    assert proc.returncode == 0, proc.stderr
    assert {"list", "show"} <= set(proc.stdout.splitlines())

    proc = _complete("bash", "appam run --mo", cword=2)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["--model"]

    proc = _complete("bash", "appam sessions show --j", cword=3)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["--json"]

    # Completing touches neither the config nor the store.
    assert not (appam_home / "sessions.db").exists()


@pytest.mark.e2e
def test_bash_protocol_lists_every_top_level_command() -> None:
    proc = _complete("bash", "appam ", cword=1)
    assert proc.returncode == 0, proc.stderr
    candidates = set(proc.stdout.splitlines())
    commands = _top_level_commands()
    assert {"run", "sessions"} <= set(commands)
    assert set(commands) <= candidates, f"missing: {sorted(set(commands) - candidates)}"


@pytest.mark.e2e
def test_zsh_protocol() -> None:
    proc = _complete("zsh", "appam sessions ")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("_arguments '*: :((") and out.rstrip().endswith("))'"), out
    assert re.search(r'^"list":"Saved sessions', out.split("((", 1)[1], re.M), out
    assert '"show":' in out

    proc = _complete("zsh", "appam run --mo")
    assert proc.returncode == 0, proc.stderr
    assert '"--model":' in proc.stdout
    assert '"--max-tokens"' not in proc.stdout

    proc = _complete("zsh", "appam ses")
    assert '"sessions":' in proc.stdout and '"run"' not in proc.stdout


@pytest.mark.e2e
def test_fish_protocol() -> None:
    proc = _complete("fish", "appam ses")
    assert proc.returncode == 0, proc.stderr
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == ["sessions"]
    assert proc.stdout.startswith("sessions\tList, show and manage saved sessions.")

    proc = _complete("fish", "appam sessions ")
    assert {"list", "show"} <= {line.split("\t")[0] for line in proc.stdout.splitlines()}

    proc = _complete("fish", "appam run --mo")
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == ["--model"]

    # fish first asks whether there are candidates at all (exit 0), else it falls back to files (exit 1).
    has = _complete("fish", "appam ses", _TYPER_COMPLETE_FISH_ACTION="is-args")
    assert has.returncode == 0
    none = _complete("fish", "appam run ", _TYPER_COMPLETE_FISH_ACTION="is-args")
    assert none.returncode == 1


# -- end to end: the real shells load the checked-in scripts ---------------------


def _shell_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "shell-home"
    home.mkdir(exist_ok=True)
    # Keep the shells away from the real home (history files, fish's universal variables).
    return _env(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        HISTFILE=os.devnull,
        TERM="xterm",
    )


def _needs(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    return path


@pytest.mark.e2e
def test_bash_sources_script_and_fills_compreply(tmp_path: Path) -> None:
    bash = _needs("bash")
    script = COMPLETIONS / "appam.bash"
    probe = r"""
source "$1" || exit 9
complete -p appam
ask() {  # ask WORD... : complete the last word as bash would, print COMPREPLY one per line
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    COMPREPLY=()
    _appam_completion appam "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    echo "== $*"
    printf '%s\n' "${COMPREPLY[@]}"
}
ask appam ses
ask appam sessions ''
ask appam run --mo
"""
    proc = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", probe, "probe", str(script)],
        env=_shell_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "complete -o default -F _appam_completion appam" in proc.stdout
    blocks = {
        block.split("\n", 1)[0]: block.split("\n")[1:]
        for block in proc.stdout.split("== ")[1:]
    }
    assert [c for c in blocks["appam ses"] if c] == ["sessions"], proc.stdout
    assert {"list", "show"} <= set(blocks["appam sessions "]), proc.stdout
    assert [c for c in blocks["appam run --mo"] if c] == ["--model"], proc.stdout


@pytest.mark.e2e
def test_fish_loads_script_and_completes(tmp_path: Path) -> None:
    fish = _needs("fish")
    script = COMPLETIONS / "appam.fish"
    probe = (
        f"source {script}; "
        "echo '== ses'; complete -C 'appam ses'; "
        "echo '== sessions'; complete -C 'appam sessions '; "
        "echo '== run'; complete -C 'appam run --mo'"
    )
    proc = subprocess.run(
        [fish, "--no-config", "-c", probe], env=_shell_env(tmp_path), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr
    blocks = {
        block.split("\n", 1)[0]: [line.split("\t")[0] for line in block.split("\n")[1:] if line]
        for block in proc.stdout.split("== ")[1:]
    }
    assert blocks["ses"] == ["sessions"], proc.stdout
    assert {"list", "show"} <= set(blocks["sessions"]), proc.stdout
    assert blocks["run"] == ["--model"], proc.stdout


@pytest.mark.e2e
def test_zsh_sources_and_autoloads_script(tmp_path: Path) -> None:
    """The completion function, sourced (registers with compdef) and autoloaded from $fpath
    as ``_appam`` (completes on the very first Tab). ``_arguments`` is stubbed to print what
    the function hands to zsh's completion system."""
    zsh = _needs("zsh")
    fpath_dir = tmp_path / "zfunc"
    fpath_dir.mkdir()
    shutil.copy(COMPLETIONS / "appam.zsh", fpath_dir / "_appam")
    probe = f"""
compdef() {{ print -r -- "compdef $*" }}
_arguments() {{ print -r -- "_arguments $*" }}
_files() {{ print -r -- "_files" }}
source {COMPLETIONS / "appam.zsh"}
words=(appam sessions ''); CURRENT=3
print -- '== sourced'; _appam_completion
unfunction _appam_completion
fpath=({fpath_dir} $fpath); autoload -Uz _appam
words=(appam run --mo); CURRENT=3
print -- '== autoloaded'; _appam
words=(appam ses); CURRENT=2
print -- '== again'; _appam
"""
    proc = subprocess.run(
        [zsh, "-f", "-c", probe], env=_shell_env(tmp_path), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr
    before, sourced, autoloaded, again = proc.stdout.split("== ")
    assert before.strip() == "compdef _appam_completion appam"
    assert '"list":' in sourced and '"show":' in sourced, proc.stdout
    assert "compdef" not in autoloaded + again, "called as _appam it must complete, not just register"
    assert '"--model":' in autoloaded, proc.stdout
    assert '"sessions":' in again, proc.stdout


# Interactive: a pty, a real line editor, a real Tab.

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>]")


def _tab_complete(argv: list[str], setup: str, cases: list[tuple[str, str]], env: dict[str, str]) -> list[str]:
    """Start an interactive shell; for each (typed, expected word) type the text, press Tab,
    wait for the word, and collect the resulting command line."""
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=15, dimensions=(24, 200))
    lines = []
    try:
        child.sendline(f"{setup}; PS1='RE''ADY> '")  # the echoed command does not match the prompt
        child.expect_exact("READY> ")
        for typed, expect in cases:
            child.send(typed + "\t")
            child.expect_exact(expect)  # the completed word appears on the line
            child.send("\x01echo 'LINE:' \r")  # Ctrl-A, prefix `echo`, run: prints the edited line
            child.expect(r"LINE: ([^\r\n]*)")
            lines.append(_ANSI.sub("", child.match.group(1)).strip())
            child.expect_exact("READY> ")
        child.sendline("exit")
        child.expect(pexpect.EOF)
        return lines
    finally:
        child.close(force=True)


@pytest.mark.e2e
def test_interactive_bash_tab(tmp_path: Path) -> None:
    bash = _needs("bash")
    env = _shell_env(tmp_path)
    setup = f"bind 'set bell-style none'; source {COMPLETIONS / 'appam.bash'}"
    argv = [bash, "--norc", "--noprofile", "-i"]
    cases = [("appam ses", "sessions"), ("appam sessions sh", "show")]
    assert _tab_complete(argv, setup, cases, env) == ["appam sessions", "appam sessions show"]


@pytest.mark.e2e
def test_interactive_zsh_tab_with_fpath_install(tmp_path: Path) -> None:
    """The documented fpath install: the first Tab already completes."""
    zsh = _needs("zsh")
    fpath_dir = tmp_path / "zfunc"
    fpath_dir.mkdir()
    shutil.copy(COMPLETIONS / "appam.zsh", fpath_dir / "_appam")
    env = _shell_env(tmp_path)
    setup = f"bindkey -e; unsetopt beep; fpath=({fpath_dir} $fpath); autoload -Uz compinit && compinit -u -D"
    argv = [zsh, "-f", "-i"]
    # Every Tab, not only the first one (which autoloads `_appam`), completes.
    cases = [("appam ses", "sessions"), ("appam run --mo", "--model"), ("appam sessions sh", "show")]
    assert _tab_complete(argv, setup, cases, env) == ["appam sessions", "appam run --model", "appam sessions show"]
