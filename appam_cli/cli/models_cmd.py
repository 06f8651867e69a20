"""``appam models [SEARCH]``: config's model aliases first, then the models of litellm's price map
with provider, context window and prices.

Reads the bundled price JSON as data (``providers.prices_data``): no API key, no litellm import.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete
from appam_cli.cli.errors import handle_errors


@handle_errors
def models(
    search: list[str] | None = typer.Argument(
        None, help="Words the model or provider name must all contain, e.g. claude sonnet."
    ),
    provider: str | None = typer.Option(
        None, "--provider", "-p", help="Only this provider, e.g. openai, anthropic.", autocompletion=complete.providers
    ),
    every: bool = typer.Option(
        False, "--all", help="Every model of the price map: speech, transcription, image, embedding, realtime…"
    ),
    json_output: bool = typer.Option(False, "--json", help="A JSON array, one object per model."),
    no_pager: bool = typer.Option(False, "--no-pager", help="Never pipe the output through a pager."),
) -> None:
    """Your aliases (config.toml), then the chat models litellm knows, with context window and prices
    in USD per million tokens (--all: every model)."""
    import json
    import os
    import sys

    from appam_cli.config import load_settings
    from appam_cli.errors import UserError
    from appam_cli.providers.prices_data import list_models, price_map_path

    if price_map_path() is None:
        raise UserError("litellm's price map was not found: is litellm installed in this environment?")
    words = " ".join(search or []) or None
    aliases = matching_aliases(load_settings().aliases, words, provider)
    found = list_models(words, provider, every=every)
    if json_output:
        rows = [{"alias": name, "model": model} for name, model in aliases] + [m.to_dict() for m in found]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    others = 0 if every or found else len(list_models(words, provider, every=True))
    from appam_cli.cli import pager
    from appam_cli.render.environment import environment
    from appam_cli.render.model_list import print_aliases, print_models

    env = environment()
    console = env.table_console(highlight=False)
    # A terminal (or COLUMNS) fits the table to its width; a pipe gets every column, whole.
    fit_screen = env.stdout_isatty or bool(os.environ.get("COLUMNS"))
    with console.capture() as captured:
        if aliases:
            print_aliases(console, aliases)
        if found or not aliases:
            print_models(console, found, search=words, provider=provider, every=every, others=others,
                         fit_screen=fit_screen)
    pager.show(captured.get(), enabled=not no_pager)


def matching_aliases(aliases: dict[str, str], words: str | None, provider: str | None) -> list[tuple[str, str]]:
    """The aliases whose name or model holds every search word (and whose model is the provider's)."""
    terms = (words or "").lower().split()
    out = []
    for name, model in sorted(aliases.items()):
        if any(t not in f"{name} {model}".lower() for t in terms):
            continue
        if provider and not model.lower().startswith(provider.lower() + "/"):
            continue
        out.append((name, model))
    return out
