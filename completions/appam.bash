# appam completion for bash (4.4 or newer).
#
# Install, either:
#   mkdir -p ~/.local/share/bash-completion/completions &&
#     appam completion bash > ~/.local/share/bash-completion/completions/appam  # loaded on demand by bash-completion
#   source /path/to/completions/appam.bash          # or this line in ~/.bashrc
#
# On Tab the function below runs `appam` with _APPAM_COMPLETE=complete_bash, COMP_WORDS and
# COMP_CWORD set; appam answers from its live command tree, so this file rarely changes.
# Generated from Typer's template; do not edit. Regenerate with:
#   python -m appam_cli.cli.completion --write completions/

_appam_completion() {
    local IFS=$'\n'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _APPAM_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _appam_completion appam
