"""Options shared by the commands that talk to a model (run, continue, chat)."""

from __future__ import annotations

import typer

from appam_cli.cli import complete

MODEL = typer.Option(
    None, "--model", "-m", help="Any litellm model name, e.g. gpt-4o-mini.", autocompletion=complete.models
)
SYSTEM = typer.Option(None, "--system", "-s", help="System prompt.")
API_BASE = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server.")
TEMPERATURE = typer.Option(None, "--temperature", min=0.0, max=2.0, help="Sampling temperature.")
MAX_TOKENS = typer.Option(None, "--max-tokens", min=1, help="Cap on each answer's tokens.")
TIMEOUT = typer.Option(None, "--timeout", min=0.1, help="Seconds per request [default: 600].")
RETRIES = typer.Option(
    None, "--retries", min=0, help="Retries on 429/5xx/network errors before an answer starts [default: 3]."
)
NO_STREAM = typer.Option(False, "--no-stream", help="Wait for the whole answer, then print it.")
RAW = typer.Option(False, "--raw", help="Plain text as it arrives, no Markdown rendering.")
JSON = typer.Option(False, "--json", help="Print only the saved Session as JSON.")
USAGE = typer.Option(False, "--usage", help="After the answer, print the detailed token and cost breakdown.")
FORCE = typer.Option(False, "--force", help="Go ahead even when a [budget] in config.toml is used up.")
DEBUG = typer.Option(False, "--debug", help="Show tracebacks for errors.")
