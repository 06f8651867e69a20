"""The README states the default of every command-line option it names (issue 13).

For each option that takes a value, of every command, that the README mentions: some mention is
followed closely by the word "default" (and by the default itself when the option has one), or
says what happens without it ("without", "all time", "none"). Read from the commands themselves,
so a new option named in the README without its default fails here."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from appam_cli.cli.app import app

README = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
NEAR = 260  # characters after a mention where its default is said
SAYS_DEFAULT = re.compile(r"default|without|all time|every|none\b|as for `run`|all by")


def value_options() -> dict[str, object]:
    """Long option name -> its default, for every option of every command that takes a value."""
    found: dict[str, object] = {}

    def walk(command) -> None:
        if hasattr(command, "list_commands"):
            for name in command.list_commands(None):
                walk(command.get_command(None, name))
            return
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag:
                long = max(param.opts, key=len)
                default = getattr(param.default, "value", param.default)
                if found.get(long) is None:
                    found[long] = default
    walk(typer.main.get_command(app))
    return found


def test_every_option_the_readme_names_has_its_default_stated():
    missing = []
    for option, default in sorted(value_options().items()):
        mentions = [m.end() for m in re.finditer(re.escape(option) + r"(?![\w-])", README)]
        if not mentions:
            continue
        near = [README[end : end + NEAR] for end in mentions]
        if not any(SAYS_DEFAULT.search(text) for text in near):
            missing.append(option)
        elif default is not None and not any(str(default) in text for text in near):
            missing.append(f"{option} ({default})")
    assert not missing, f"the README names these options without their default: {missing}"


def test_the_check_sees_the_options():
    options = value_options()
    assert options["--by"] == "day" and options["--limit"] == 20 and options["--format"] == "json"
    assert "--timeout" in options and "--max-cost" in options
