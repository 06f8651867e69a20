"""The command groups' behaviour beyond Typer's: prompting the way people already type.

- ``appam PROMPT...`` is ``appam run PROMPT...`` (so is ``appam -m MODEL PROMPT`` and ``appam --
  "-5 °C in F?"``): a first argument that is not a command is handed, with everything after it, to
  the ``run`` command, whose own parser then reads every option it has (none is listed here).
  Commands keep precedence; a first word that looks like a typo of a command is a usage error
  ("did you mean `sessions`?"), never a paid prompt.
- Usage errors are one line in appam's voice, exit 2 (``usage_errors``), for every command and
  option, including those added later.
- Help names every value the same way (``placeholders``) and never cuts a command's description.

Typer >= 0.29 carries its own copy of click (``typer._click``); this module works on that copy.
"""

from __future__ import annotations

from typing import Any

from typer import _click
from typer.core import TyperGroup

from appam_cli.cli import placeholders, usage_errors

DEFAULT_COMMAND = "run"


def typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def looks_like_typo(word: str, commands: list[str]) -> str | None:
    """The command ``word`` is most likely a mistyping of, or None when it reads as a prompt.

    A command's own name in other letter cases (``Sessions``, ``RUN``) is one. Otherwise only a bare
    lower-case word counts (a quoted sentence or another capitalised word is a prompt), that
    starts with the command's first letter (``what`` is no typo of ``chat``). Then two neighbouring
    letters swapped (``contineu``) or one left out (``sesions``, ``usge``) is a typo of any command;
    a letter added or changed only of a command of six letters or more (one edit; two from eight
    letters), because near a short command that makes real words: ``list``, ``chart``, ``runs``.
    """
    if word and word != word.lower() and word.lower() in commands:  # `appam Sessions list`, `appam RUN hi`
        return word.lower()
    if not word or not all(c.islower() or c == "-" for c in word):
        return None
    best: tuple[int, str] | None = None
    for name in commands:
        if name[:1] != word[:1]:
            continue
        distance = typo_distance(word, name)
        swapped = distance == 1 and len(word) == len(name) and sorted(word) == sorted(name)
        left_out = distance == 1 and len(word) == len(name) - 1
        near = len(name) >= 6 and 0 < distance <= (2 if len(name) >= 8 else 1)
        if (swapped or left_out or near) and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


class OneLineHelpGroup(TyperGroup):
    """A group whose help lists each command with its whole first paragraph (never cut with ``...``)
    and whose usage errors are one line."""

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _adopt_groups(group: TyperGroup) -> None:
    """Sub-groups (``sessions``, ``worker``, any added later) list their commands the same way."""
    for sub in group.commands.values():
        if isinstance(sub, TyperGroup):
            if not isinstance(sub, OneLineHelpGroup):
                sub.__class__ = OneLineHelpGroup
            _adopt_groups(sub)


class AppamGroup(OneLineHelpGroup):
    """The ``appam`` group: the default command, typo checks, one-line usage errors, placeholders."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        placeholders.apply(self)
        _adopt_groups(self)
        try:
            ctx = super().make_context(info_name, self._with_default(list(args)), parent=parent, **extra)
        except _click.ClickException as exc:
            raise usage_errors.one_line(exc, list(args)) from None
        ctx.meta[usage_errors.ARGV_KEY] = list(args)
        return ctx

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _click.ClickException as exc:
            raise usage_errors.one_line(exc, ctx.meta.get(usage_errors.ARGV_KEY, [])) from None

    def _with_default(self, args: list[str]) -> list[str]:
        """``appam -m X "hi"`` and ``appam -- "-5"``: the default command's options and prompt."""
        if not args:
            return args
        first = args[0]
        if first == "--" or (first.startswith("-") and first.split("=", 1)[0] not in self._own_options()):
            return [DEFAULT_COMMAND, *args]
        return args

    def _own_options(self) -> set[str]:
        """The group's options (--version, --help, …): anything else first is the default command's."""
        names = set(self.context_settings.get("help_option_names", ["--help"]))
        for param in self.params:
            names.update(param.opts)
            names.update(param.secondary_opts)
        return names

    def resolve_command(self, ctx: _click.Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        if not args or self.get_command(ctx, name) is not None:
            return super().resolve_command(ctx, args)
        if not ctx.resilient_parsing:  # completing a word never fails
            meant = looks_like_typo(name, self.list_commands(ctx))
            if meant is not None:
                raise usage_errors.CommandTypo(name, meant, args, ctx)
        command = self.get_command(ctx, DEFAULT_COMMAND)
        return DEFAULT_COMMAND, command, list(args)
