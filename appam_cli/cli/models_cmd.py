"""``appam models [SEARCH]``: config's model aliases first, then the models of litellm's price map
with provider, context window and prices.

Reads the bundled price JSON as data (``providers.prices_data``): no API key, no litellm import.
"""

from __future__ import annotations

import typer

from appam_cli.cli.errors import handle_errors


@handle_errors
def models(
    search: list[str] | None = typer.Argument(
        None, help="Words the model or provider name must all contain, e.g. claude sonnet."
    ),
    provider: str | None = typer.Option(None, "--provider", "-p", help="Only this provider, e.g. openai, anthropic."),
    json_output: bool = typer.Option(False, "--json", help="A JSON array, one object per model."),
) -> None:
    """Chat models litellm knows, and your aliases.

    Your aliases (config.toml) first, then litellm's chat models with context window and prices in
    USD per million tokens."""
    import json
    import sys

    from appam_cli.config import load_settings
    from appam_cli.errors import UserError
    from appam_cli.providers.prices_data import list_models, price_map_path

    if price_map_path() is None:
        raise UserError("litellm's price map was not found: is litellm installed in this environment?")
    words = " ".join(search or []) or None
    aliases = matching_aliases(load_settings().aliases, words, provider)
    found = list_models(words, provider)
    if json_output:
        rows = [{"alias": name, "model": model} for name, model in aliases] + [m.to_dict() for m in found]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    from appam_cli.render.model_list import print_aliases, print_models

    if aliases:
        print_aliases(aliases)
    if found or not aliases:
        print_models(found, search=words, provider=provider)


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
