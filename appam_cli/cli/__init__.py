"""The Typer application: one module per command group; parse, call the core, render."""
