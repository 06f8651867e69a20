"""Shell completion scripts for appam (bash, zsh, fish), generated from Typer's own templates.

The scripts hold no list of commands: on every Tab they call back into ``appam``
with ``_APPAM_COMPLETE=complete_<shell>`` set, and Typer answers from the live
command tree. So they only change when Typer's templates (or the headers below)
change, and the checked-in copies in ``completions/`` are tested for freshness.

    python -m appam_cli.cli.completion bash                 # print one script
    python -m appam_cli.cli.completion --write completions/ # regenerate the checked-in files

Unlike ``appam --show-completion`` (which guesses the shell from the parent
process), ``completion_script(shell)`` depends on nothing but its argument.
This module imports only typer: keep it that way, completion must stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROG_NAME = "appam"
# The variable Click/Typer look for, derived from the program name as they do it.
COMPLETE_VAR = f"_{PROG_NAME}_COMPLETE".replace("-", "_").upper()
SHELLS = ("bash", "zsh", "fish")
FILE_NAMES = {shell: f"{PROG_NAME}.{shell}" for shell in SHELLS}
REGENERATE = "python -m appam_cli.cli.completion --write completions/"

_HEADERS = {
    "bash": f"""\
# appam completion for bash (4.4 or newer).
#
# Install, either:
#   mkdir -p ~/.local/share/bash-completion/completions &&
#     appam completion bash > ~/.local/share/bash-completion/completions/appam  # loaded on demand by bash-completion
#   source /path/to/completions/appam.bash          # or this line in ~/.bashrc
#
# On Tab the function below runs `appam` with {COMPLETE_VAR}=complete_bash, COMP_WORDS and
# COMP_CWORD set; appam answers from its live command tree, so this file rarely changes.
# Generated from Typer's template; do not edit. Regenerate with:
#   {REGENERATE}
""",
    # zsh reads `#compdef` from the first line of files in $fpath: the header goes after it.
    "zsh": f"""\
#
# appam completion for zsh.
#
# Install, either:
#   mkdir -p ~/.zfunc && appam completion zsh > ~/.zfunc/_appam
#   # and in ~/.zshrc, before compinit:  fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit
# or, after compinit in ~/.zshrc:
#   source /path/to/completions/appam.zsh
#
# On Tab the function below runs `appam` with {COMPLETE_VAR}=complete_zsh and
# _TYPER_COMPLETE_ARGS set; appam answers from its live command tree.
# Generated from Typer's template (with an ending that also suits $fpath); do not edit. Regenerate with:
#   {REGENERATE}
""",
    "fish": f"""\
# appam completion for fish.
#
# Install:
#   appam completion fish > ~/.config/fish/completions/appam.fish
#
# On Tab fish runs `appam` with {COMPLETE_VAR}=complete_fish and _TYPER_COMPLETE_ARGS set;
# appam answers from its live command tree.
# Generated from Typer's template; do not edit. Regenerate with:
#   {REGENERATE}
""",
}

# Typer's zsh script ends by registering the function with compdef. That is right
# when the file is sourced, but when it is autoloaded from $fpath (as `_appam`) every
# Tab calls `_appam`, and a bare compdef would only re-register and complete nothing
# on the first Tab. So: called as `_appam`, complete now; sourced, register for later
# (the idiom of Cobra's zsh scripts; Click's own keys on `loadautofunc`, which only
# holds for the first call).
_ZSH_COMPDEF = f"compdef _{PROG_NAME}_completion {PROG_NAME}"
_ZSH_ENDING = f"""\
if [[ $funcstack[1] == _{PROG_NAME} ]]; then
  # autoloaded from $fpath: this file is the body of _{PROG_NAME}, complete now
  _{PROG_NAME}_completion "$@"
else
  # sourced: register the function for later
  {_ZSH_COMPDEF}
fi"""


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish), as checked in under ``completions/``."""
    if shell not in SHELLS:
        raise ValueError(f"unsupported shell {shell!r} (expected one of {', '.join(SHELLS)})")
    from typer.completion import get_completion_script

    body = get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell).strip()
    header = _HEADERS[shell]
    if shell == "bash":
        # Typer's template spells IFS as $'<a real newline>'; write the escape bash reads the same way.
        body = body.replace("$'\n'", "$'\\n'")
    if shell == "zsh":
        first, _, rest = body.partition("\n")
        if first != f"#compdef {PROG_NAME}" or not rest.rstrip().endswith(_ZSH_COMPDEF):
            raise RuntimeError("Typer's zsh completion template changed: update appam_cli/cli/completion.py")
        rest = rest.rstrip()[: -len(_ZSH_COMPDEF)] + _ZSH_ENDING
        return f"{first}\n{header}{rest}\n"
    return f"{header}\n{body}\n"


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _zsh_quote(text: str) -> str:
    """Escaped for the ``"value":"description"`` pairs Typer's zsh script hands to ``_arguments``."""
    return (
        text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")
    )


def use_plain_descriptions() -> None:
    """Answer zsh and fish with each description as plain text on one line.

    Typer renders every description through Rich (``typer.rich_utils``): importing it costs more
    than the rest of a Tab press, Rich wraps a long description onto a second line (which the
    shells read as another candidate), and it would read a session title's ``[bold]`` as markup.
    appam's help has no markup (``rich_markup_mode=None``), so plain text is exact. Call it after
    the click command is built (building it registers Typer's own classes again).
    """
    from typer._click.shell_completion import CompletionItem, add_completion_class
    from typer._completion_classes import FishComplete, ZshComplete

    class PlainZsh(ZshComplete):
        def format_completion(self, item: CompletionItem) -> str:
            if not item.help:
                return super().format_completion(item)
            return f'"{_zsh_quote(item.value)}":"{_zsh_quote(_one_line(item.help))}"'

    class PlainFish(FishComplete):
        def format_completion(self, item: CompletionItem) -> str:
            if not item.help:
                return super().format_completion(item)
            return f"{item.value}\t{_one_line(item.help)}"

    add_completion_class(PlainZsh, "zsh")
    add_completion_class(PlainFish, "fish")


def write_scripts(directory: str | Path) -> list[Path]:
    """(Re)write every completion script into ``directory``; returns the paths written."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for shell in SHELLS:
        path = folder / FILE_NAMES[shell]
        path.write_text(completion_script(shell), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m appam_cli.cli.completion {bash|zsh|fish} | --write DIR"
    if len(args) == 2 and args[0] == "--write":
        for path in write_scripts(args[1]):
            print(f"wrote {path}")
        return 0
    if len(args) == 1 and args[0] in SHELLS:
        sys.stdout.write(completion_script(args[0]))
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
