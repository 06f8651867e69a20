# appam completion for fish.
#
# Install:
#   appam completion fish > ~/.config/fish/completions/appam.fish
#
# On Tab fish runs `appam` with _APPAM_COMPLETE=complete_fish and _TYPER_COMPLETE_ARGS set;
# appam answers from its live command tree.
# Generated from Typer's template; do not edit. Regenerate with:
#   python -m appam_cli.cli.completion --write completions/

complete --command appam --no-files --arguments "(env _APPAM_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) appam)" --condition "env _APPAM_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args _TYPER_COMPLETE_ARGS=(commandline -cp) appam"
