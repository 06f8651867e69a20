"""Usage errors as one line in appam's own voice, exit 2.

click (Typer's copy of it) reports a usage error as a usage block, a "Try … for help" line and an
``Error:`` line in validation-library words (``Input should be less than or equal to 2``). Each
becomes one line that names the option, the value given and what it takes:
``appam: invalid --temperature 3: must be between 0 and 2``. The rewriting goes by the kind of
exception and the parameter's declared type, never by a list of options, so an option added
later is reported the same way.
"""

from __future__ import annotations

import re
import shlex
from typing import IO, Any

from typer import _click
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from appam_cli.errors import EXIT_USAGE

ARGV_KEY = "appam.argv"  # Context.meta: the command line as given, to quote it back
_INT_KINDS = {"int_parsing", "int_from_float", "int_type", "int_parsing_size"}
_FLOAT_KINDS = {"float_parsing", "float_type", "finite_number"}
_BOOL_KINDS = {"bool_parsing", "bool_type"}
_PLAIN_VALUE = re.compile(r"[\w.+:/@%,-]+")


class OneLineUsageError(UsageError):
    """A usage error shown as ``appam: TEXT`` on stderr (nothing else); exit 2 unless told."""

    def __init__(self, text: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(text)
        self.exit_code = exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        from appam_cli.render.environment import environment

        environment().error(self.message)


class CommandTypo(OneLineUsageError):
    """``appam sesions list``: a first word one typo away from a command; never sent as a prompt."""

    def __init__(self, word: str, meant: str, args: list[str], ctx: _click.Context) -> None:
        prompt = shlex.join(["appam", "run", *args])
        super().__init__(f"no command {word!r}; did you mean `{meant}`? (to send it as a prompt: {prompt})")


def one_line(exc: _click.ClickException, argv: list[str]) -> _click.ClickException:
    """The exception to raise instead of ``exc``: its one-line form (``exc`` itself when it already is
    one, or when it is the help a group shows when called bare)."""
    if isinstance(exc, (OneLineUsageError, NoArgsIsHelpError)):
        return exc
    if not isinstance(exc, UsageError):  # a file that cannot be opened, …: keep its exit code
        return OneLineUsageError(_clean(exc.format_message()), exit_code=exc.exit_code)
    return OneLineUsageError(_text(exc, argv))


def _text(exc: UsageError, argv: list[str]) -> str:
    ctx = exc.ctx
    path = ctx.command_path if ctx is not None else "appam"
    if isinstance(exc, NoSuchOption):
        return _no_such_option(exc, argv, path)
    if isinstance(exc, MissingParameter):
        return f"`{path}` needs {_param_label(exc.param) if exc.param is not None else 'an argument'}"
    if isinstance(exc, BadParameter):
        return _bad_value(exc)
    if isinstance(exc, BadOptionUsage):
        return _bad_option_usage(exc)
    message = exc.message
    extra = re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)$", message, re.S)
    if extra:
        return _extra_arguments(extra.group(1), ctx, argv, path)
    unknown = re.match(r"No such command (['\"])(.*?)\1\.", message, re.S)
    if unknown and ctx is not None:
        return _no_such_command(unknown.group(2), ctx, path)
    if message.startswith("Missing command") and ctx is not None:
        names = ", ".join(ctx.command.list_commands(ctx))  # type: ignore[attr-defined]
        return f"`{path}` needs a command: {names}"
    return _clean(message)


def _no_such_option(exc: NoSuchOption, argv: list[str], path: str) -> str:
    name = exc.option_name
    token = next((a for a in argv if a == name), None) or next((a for a in argv if a.startswith(name)), name)
    if _reads_as_prompt(token):
        return (
            f"no such option {name} for `{path}`; a prompt that starts with '-' goes after --: "
            f"{_after_dashes(argv, token, path)}"
        )
    if exc.possibilities:
        return f"no such option {name} for `{path}`; did you mean {' or '.join(sorted(exc.possibilities))}?"
    return f"no such option {name} for `{path}` (see {path} --help)"


def _after_dashes(argv: list[str], token: str, path: str) -> str:
    """The command line again with the prompt (``token`` and every word after it) after ``--``, the
    options before it kept: ``appam -m fast -5 degrees`` -> ``appam run -m fast -- '-5 degrees'``."""
    words = path.split()
    if token not in argv:
        return shlex.join([*words, "--", token])
    at = argv.index(token)
    before, prompt = argv[:at], argv[at:]
    if before[: len(words) - 1] == words[1:]:
        before = before[len(words) - 1 :]  # the command's own name, typed
    return shlex.join([*words, *before, "--", " ".join(prompt)])


def _reads_as_prompt(token: str) -> bool:
    """``-5 degrees in F?``, ``-3``, ``--help me``: a negative number or words, not a mistyped flag."""
    body = token.lstrip("-")
    return bool(body) and (any(c.isspace() for c in token) or (token[1:2] != "-" and body[0] in "0123456789."))


def _bad_option_usage(exc: BadOptionUsage) -> str:
    name = exc.option_name
    if "requires an argument" in exc.message or re.search(r"requires \d+ arguments", exc.message):
        return f"{name} needs a value"
    if "does not take a value" in exc.message:
        return f"{name} takes no value"
    return _clean(exc.message)


def _extra_arguments(extra: str, ctx: _click.Context | None, argv: list[str], path: str) -> str:
    text = f"unexpected argument{'s' if ' ' in extra else ''} {extra!r} for `{path}`"
    top_level = ctx is not None and ctx.parent is not None and ctx.parent.parent is None
    if top_level and ctx is not None and argv and argv[0] == ctx.info_name:
        # `appam chat about cats`: a prompt that starts with a command's name
        text += f"; to send it as a prompt: {shlex.join(['appam', 'run', ' '.join(argv)])}"
    return text


def _no_such_command(word: str, ctx: _click.Context, path: str) -> str:
    from appam_cli.cli.group import looks_like_typo

    names = ctx.command.list_commands(ctx)  # type: ignore[attr-defined]
    meant = looks_like_typo(word, names)
    if meant is None:
        import difflib

        close = difflib.get_close_matches(word, names, n=1)
        meant = close[0] if close else None
    if meant is not None:
        return f"no command {word!r} in `{path}`; did you mean `{meant}`?"
    return f"no command {word!r} in `{path}`; use one of {', '.join(names)}"


def _bad_value(exc: BadParameter) -> str:
    param = exc.param
    label = _param_label(param) if param is not None else "value"
    error = _first_validation_error(exc.__cause__)
    if param is None or error is None:  # raised by appam's own code (typer.BadParameter)
        return f"invalid {label}: {_clean(exc.message)}"
    value = error.get("input")
    shown = f" {_shown(value)}" if value is not None else ""
    return f"invalid {label}{shown}: {_need(param, str(error.get('type', '')), exc.message)}"


def _need(param: Any, kind: str, message: str) -> str:
    """What the parameter takes, from its declared type (choices, number kind, range)."""
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None)
    if choices:
        return "use one of " + ", ".join(str(getattr(c, "value", c)) for c in choices)
    limits = _range(getattr(param, "min", None), getattr(param, "max", None))
    if kind in _INT_KINDS:
        return "must be a whole number" + (f" ({limits})" if limits else "")
    if kind in _FLOAT_KINDS:
        return "must be a number" + (f" ({limits})" if limits else "")
    if kind in _BOOL_KINDS:
        return "must be true or false"
    if limits:
        return "must be " + limits
    return _clean(message)


def _range(low: Any, high: Any) -> str | None:
    if low is not None and high is not None:
        return f"between {_number(low)} and {_number(high)}"
    if low is not None:
        return f"{_number(low)} or more"
    if high is not None:
        return f"{_number(high)} or less"
    return None


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _first_validation_error(cause: BaseException | None) -> dict[str, Any] | None:
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return None
    try:
        found = errors()
    except Exception:
        return None
    return found[0] if found else None


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if _PLAIN_VALUE.fullmatch(text) else repr(text)


def _param_label(param: Any) -> str:
    """``--temperature`` for an option (its long name), ``ID`` for an argument."""
    opts = list(getattr(param, "opts", []) or [])
    if getattr(param, "param_type_name", "") == "option" and opts:
        longs = [o for o in opts if o.startswith("--")]
        return (longs or opts)[0]
    metavar = getattr(param, "metavar", None)
    name = metavar or (param.name or "argument").upper()
    return name.rstrip(".")


def _clean(message: str) -> str:
    """A click sentence as a clause: no trailing full stop, no capital unless it starts a name."""
    text = " ".join(message.split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text
