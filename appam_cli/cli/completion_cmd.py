"""``appam completion bash|zsh|fish``: print the shell's completion script (as in ``completions/``).

So installing completion is one line that works wherever appam is installed, without the
source checkout (README, "Shell completion").
"""

from __future__ import annotations

from enum import StrEnum

import typer


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.", show_default=False)) -> None:
    """Print the Tab completion script of bash, zsh or fish.

    Install, e.g.: appam completion fish > ~/.config/fish/completions/appam.fish
    (README, "Shell completion", has the line for each shell)."""
    import sys

    from appam_cli.cli.completion import completion_script

    sys.stdout.write(completion_script(shell.value))
