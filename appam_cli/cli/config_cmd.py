"""``appam config path | show | get KEY | set KEY VALUE | unset KEY | edit | init``.

Parses and delegates: the keys are config_keys.KEYS, reading is config.py, changing the file
(comments and order kept, checked before it is written) is config_edit.py.
"""

from __future__ import annotations

import typer

from appam_cli.cli import complete
from appam_cli.cli.errors import handle_errors

config_app = typer.Typer(
    help="See and change config.toml: the effective values and where each comes from.",
    short_help="See and change config.toml.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

KEY = typer.Argument(..., help="A key as in config.toml: model, history.auto_save, aliases.fast, …")


@config_app.command("path")
@handle_errors
def path() -> None:
    """Print where config.toml is.

    It need not exist yet: `appam config init` or `set` creates it."""
    from appam_cli.config import config_path

    typer.echo(str(config_path()))


@config_app.command("show")
@handle_errors
def show(
    model: str | None = typer.Option(
        None, "--model", "-m", metavar="MODEL", help="As if -m MODEL were given.", autocompletion=complete.models
    ),
    api_base: str | None = typer.Option(None, "--api-base", metavar="URL", help="As if --api-base URL were given."),
    keys: bool = typer.Option(False, "--keys", help="List every key with its type, variable and help instead."),
    json_output: bool = typer.Option(False, "--json", help="The values as JSON: {key: {value, source}}."),
) -> None:
    """Every key's value and where it comes from.

    Sources: flag, environment (naming the variable), file or default; then the entries of the
    file's [aliases], [profiles.*] and [prices.*]."""
    import json

    from appam_cli.config import config_path, load_settings, read_toml
    from appam_cli.config_edit import rows
    from appam_cli.config_keys import KEYS as KNOWN
    from appam_cli.config_values import api_base_url

    if keys:
        for key in KNOWN:
            env = f"  ${key.env}" if key.env else ""
            typer.echo(f"{key.shown:<34} {key.kind.what:<30}{env}\n    {key.help}")
        return
    settings = load_settings().with_flags(model=model, api_base=api_base_url(api_base, "--api-base"))
    found = rows(settings, read_toml(config_path()))
    if json_output:
        typer.echo(json.dumps({r.name: {"value": r.value, "source": r.origin} for r in found}, indent=2))
        return
    from appam_cli.config_edit import toml_text

    width = max(len(r.name) for r in found)
    values = [toml_text(r.value) if r.value is not None else "-" for r in found]
    value_width = min(max(len(v) for v in values), 40)
    typer.echo(f"# {config_path()}")
    for r, value in zip(found, values, strict=True):
        origin = r.origin + (f" ({r.note})" if r.note else "")
        typer.echo(f"{r.name:<{width}}  {value:<{value_width}}  {origin}".rstrip())


@config_app.command("get")
@handle_errors
def get(key: str = KEY) -> None:
    """Print one key's value.

    Plain, for scripts; exit 1 when it has none. A table ([aliases], a profile) prints its entries as TOML."""
    from appam_cli.config import config_path, load_settings, read_toml
    from appam_cli.config_edit import effective, is_table, locate

    data = read_toml(config_path())
    settings = load_settings()
    if is_table(key):
        import tomlkit

        from appam_cli.config_edit import file_value
        from appam_cli.config_keys import split_path

        found, table = file_value(data, split_path(key.strip()))
        if found:
            typer.echo(tomlkit.dumps(table).rstrip("\n"))
        return
    at = locate(key)
    value, _ = effective(settings, data, at)
    if value is None:
        from appam_cli.errors import UserError

        meaning = f" ({at.key.default_text})" if at.key is not None and at.key.default_text else ""
        raise UserError(f"{at.name} has no value{meaning}")
    typer.echo(value if isinstance(value, str) else _plain(value))


def _plain(value: object) -> str:
    from appam_cli.config_edit import toml_text

    return toml_text(value)


@config_app.command("set", context_settings={"ignore_unknown_options": True})
@handle_errors
def set_(
    key: str = KEY,
    value: str = typer.Argument(..., help="The value, as text: 0.5, true, gpt-4o-mini, a,b (a negative number too)."),
) -> None:
    """Set a key in config.toml.

    VALUE is checked, and the whole file as it would be, before anything is written; the file's
    comments and order are kept. A table entry takes 'input = 0.5, output = 1.5'."""
    from appam_cli.config import config_path
    from appam_cli.config_edit import locate, set_value, toml_text
    from appam_cli.render.environment import environment

    at = locate(key)
    path = config_path()
    written = set_value(path, at, value)
    typer.echo(f"{at.name} = {toml_text(written)}  ({path})")
    _overridden(at.key.env if at.key else None, environment().notice)


@config_app.command("unset")
@handle_errors
def unset(key: str = KEY) -> None:
    """Remove a key from config.toml.

    Its default applies again. A key the file holds that appam does not know (a typo) can be removed too."""
    from appam_cli.config import config_path
    from appam_cli.config_edit import locate, stray, unset_value
    from appam_cli.render.environment import environment

    path = config_path()
    at = stray(path, key) or locate(key)
    if unset_value(path, at):
        typer.echo(f"{at.name} removed ({path})")
        _overridden(at.key.env if at.key else None, environment().notice)
    else:
        typer.echo(f"{at.name} is not set in {path}")


def _overridden(env: str | None, notice) -> None:
    import os

    if env and os.environ.get(env):
        notice(f"${env} is set in this environment and takes precedence over the file")


@config_app.command("edit")
@handle_errors
def edit() -> None:
    """Open config.toml in your editor, then check it.

    $VISUAL, else $EDITOR, else vi. An invalid file is named in one line: on a terminal the editor
    opens again on request, otherwise exit 1."""
    from appam_cli.cli.config_editor import edit_config

    raise typer.Exit(edit_config())


@config_app.command("init")
@handle_errors
def init(force: bool = typer.Option(False, "--force", help="Replace an existing config.toml.")) -> None:
    """Write a commented starter config.toml.

    Every key with its default and its variable, commented out. An existing file is kept unless --force."""
    from appam_cli.config import config_path
    from appam_cli.config_edit import starter_text, write_file
    from appam_cli.errors import UserError

    path = config_path()
    if path.exists() and not force:
        raise UserError(f"{path} already exists: `appam config edit` changes it, --force replaces it")
    write_file(path, starter_text())
    typer.echo(f"wrote {path}")
