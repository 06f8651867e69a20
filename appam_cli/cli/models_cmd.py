"""``appam models [SEARCH]``: models of litellm's price map with provider, context window and prices.

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
    """Chat models litellm knows, with context window and prices in USD per million tokens."""
    import json
    import sys

    from appam_cli.errors import UserError
    from appam_cli.providers.prices_data import list_models, price_map_path

    if price_map_path() is None:
        raise UserError("litellm's price map was not found: is litellm installed in this environment?")
    words = " ".join(search or []) or None
    found = list_models(words, provider)
    if json_output:
        sys.stdout.write(json.dumps([m.to_dict() for m in found], indent=2) + "\n")
        return
    from appam_cli.render.model_list import print_models

    print_models(found, search=words, provider=provider)
