#compdef appam
#
# appam completion for zsh.
#
# Install, either:
#   mkdir -p ~/.zfunc && appam completion zsh > ~/.zfunc/_appam
#   # and in ~/.zshrc, before compinit:  fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit
# or, after compinit in ~/.zshrc:
#   source /path/to/completions/appam.zsh
#
# On Tab the function below runs `appam` with _APPAM_COMPLETE=complete_zsh and
# _TYPER_COMPLETE_ARGS set; appam answers from its live command tree.
# Generated from Typer's template (with an ending that also suits $fpath); do not edit. Regenerate with:
#   python -m appam_cli.cli.completion --write completions/

_appam_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _APPAM_COMPLETE=complete_zsh appam)
}

if [[ $funcstack[1] == _appam ]]; then
  # autoloaded from $fpath: this file is the body of _appam, complete now
  _appam_completion "$@"
else
  # sourced: register the function for later
  compdef _appam_completion appam
fi
