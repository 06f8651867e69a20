"""Prompting the way people already type: the default command, several words, `--`, typos, and
usage errors as one line (exit 2) with uniform help placeholders. Real CLI, real litellm, loopback."""

from __future__ import annotations

from enum import StrEnum

import pytest
import typer
from provider_server import Reply
from sessions_store import only_session, sessions
from typer.testing import CliRunner

from appam_cli.cli.group import AppamGroup, looks_like_typo, typo_distance


def _model_args(cli) -> list[str]:
    return ["-m", "openai/test-model", "--api-base", cli.server.url, "--retries", "0"]


def _user_prompt(cli) -> str:
    return [m.content for m in only_session(cli.home).messages if m.role == "user"][0]


# -- the default command ---------------------------------------------------------------------


def test_a_first_argument_that_is_no_command_is_the_prompt_of_run(cli):
    cli.server.enqueue(Reply("4"))
    result = cli("what is 2+2", *_model_args(cli))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "4\n"
    assert _user_prompt(cli) == "what is 2+2"
    assert cli.server.requests[-1].messages[-1] == {"role": "user", "content": "what is 2+2"}


def test_run_options_before_the_prompt_go_to_run(cli):
    """`appam -m MODEL --api-base URL -s SYSTEM "hi"`: every run option, none of them listed by the group."""
    cli.server.enqueue(Reply("hello"))
    result = cli(*_model_args(cli), "-s", "Be terse.", "--max-tokens", "7", "hi")
    assert result.exit_code == 0, result.stderr
    body = cli.server.requests[-1].body
    assert body["messages"] == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hi"}]
    assert body["max_tokens"] == 7


def test_piped_text_joins_the_default_commands_prompt(cli):
    cli.server.enqueue(Reply("ok"))
    result = cli("explain", *_model_args(cli), input="x = 1\n")
    assert result.exit_code == 0, result.stderr
    assert _user_prompt(cli) == "explain\n\nx = 1"


def test_several_words_are_one_prompt(cli):
    cli.server.enqueue(Reply("Paris"), Reply("Paris again"))
    result = cli.run("what", "is", "the", "capital", "of", "France")
    assert result.exit_code == 0, result.stderr
    assert _user_prompt(cli) == "what is the capital of France"
    # the same without `run`, options after the words
    result = cli("what", "is", "the", "capital", "of", "France", *_model_args(cli))
    assert result.exit_code == 0, result.stderr
    assert [s.title for s in sessions(cli.home)] == ["what is the capital of France"] * 2


def test_continue_takes_several_words_too(cli):
    cli.server.enqueue(Reply("one"), Reply("two"))
    assert cli.run("first").exit_code == 0
    sid = only_session(cli.home).session_id
    result = cli("continue", sid[:8], "and", "in", "French?", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert [m.content for m in only_session(cli.home).messages if m.role == "user"] == ["first", "and in French?"]


def test_a_prompt_that_starts_with_a_dash_goes_after_double_dash(cli):
    cli.server.enqueue(Reply("23 F"), Reply("23 F"))
    result = cli("run", *_model_args(cli), "--", "-5 degrees in F?")  # options before the --
    assert result.exit_code == 0, result.stderr
    assert _user_prompt(cli) == "-5 degrees in F?"
    # without `run`: the group's `--` is handed on too
    result = cli(*_model_args(cli), "--", "-5 degrees in F?")
    assert result.exit_code == 0, result.stderr
    assert len(sessions(cli.home)) == 2


@pytest.mark.parametrize("args", [["-5 degrees in F?"], ["run", "-5 degrees in F?"], ["run", "-3"], ["--help me"],
                                  ["-m", "openai/test-model", "-.5 or more?"]])
def test_an_unknown_short_option_that_reads_as_a_prompt_says_to_use_double_dash(cli, args):
    result = cli(*args)
    line = result.error_line("no such option -", "goes after --", "appam run ", code=2)
    assert args[-1] in line
    assert cli.server.requests == [] and sessions(cli.home) == []


@pytest.mark.parametrize("args, suggested", [
    (["run", "-5", "degrees", "in", "F?"], "appam run -- '-5 degrees in F?'"),  # every word of the prompt
    (["-m", "fast", "-5", "degrees"], "appam run -m fast -- '-5 degrees'"),  # the options before it kept
    (["continue", "abcd", "-3", "more"], "appam continue abcd -- '-3 more'"),
])
def test_the_double_dash_hint_keeps_the_whole_prompt_and_the_options(offline_cli, args, suggested):
    offline_cli(*args).error_line(f"goes after --: {suggested}", code=2)


def test_commands_keep_precedence_and_a_typo_is_never_a_paid_prompt(cli):
    result = cli("sesions", "list", *_model_args(cli))
    result.error_line("no command 'sesions'", "did you mean `sessions`?", code=2)
    assert cli.server.requests == [] and sessions(cli.home) == []


@pytest.mark.parametrize("word, meant", [("sesions", "sessions"), ("contineu", "continue"), ("usge", "usage"),
                                         ("rnu", "run"), ("modles", "models"), ("caht", "chat"), ("lsat", "last"),
                                         ("sesssions", "sessions"), ("continu", "continue"), ("wroker", "worker"),
                                         ("sessoins", "sessions"), ("Sessions", "sessions"), ("RUN", "run")])
def test_typos_of_commands(offline_cli, word, meant):
    offline_cli(word, "x").error_line(f"did you mean `{meant}`?", code=2)


@pytest.mark.parametrize("word", ["hello", "Hello", "What", "what is 2+2", "explain", "summarize", "why", "what", "fun",
                                  "hat", "list", "least", "lost", "chart", "runs", "ran", "rum", "use", "usages"])
def test_words_that_are_no_typo_are_prompts(word):
    commands = ["run", "chat", "continue", "last", "sessions", "usage", "models", "worker"]
    assert looks_like_typo(word, commands) is None


def test_typo_distance_counts_a_swap_as_one_edit():
    assert typo_distance("contineu", "continue") == 1
    assert typo_distance("sesions", "sessions") == 1
    assert typo_distance("run", "run") == 0
    assert typo_distance("", "abc") == 3


def test_a_prompt_that_starts_with_a_command_name_says_how_to_send_it(cli):
    line = cli("chat", "about", "cats").error_line("unexpected arguments 'about cats' for `appam chat`", code=2)
    assert "appam run 'chat about cats'" in line
    assert cli.server.requests == []
    cli.server.enqueue(Reply("Cats purr."))
    result = cli.run("chat", "about", "cats")  # as the error says
    assert result.exit_code == 0, result.stderr
    assert _user_prompt(cli) == "chat about cats"


# -- usage errors: one line, exit 2 -----------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["run", "--temperature", "3", "x"], ["invalid --temperature 3: must be between 0 and 2"]),
        (["run", "--max-tokens", "abc", "x"], ["invalid --max-tokens abc: must be a whole number"]),
        (["run", "--timeout", "soon", "x"], ["invalid --timeout soon: must be a number"]),
        (["sessions", "export", "--all", "-f", "csv"], ["invalid --format csv: use one of json, jsonl, markdown, openai"]),
        (["usage", "--by", "year"], ["invalid --by 'year': use one of day, week"]),
        (["sessions", "list", "--status", "done"], ["invalid --status 'done'"]),
        (["sessions", "list", "-n", "0"], ["invalid --limit 0: must be 1 or more"]),
        (["run", "--modle", "x"], ["no such option --modle", "did you mean --model"]),
        (["run", "-m"], ["-m needs a value"]),
        (["sessions", "show"], ["`appam sessions show` needs ID"]),
        (["sessions", "lst"], ["no command 'lst' in `appam sessions`; did you mean `list`?"]),
        (["sessions", "show", "1a2b", "extra"], ["unexpected argument 'extra' for `appam sessions show`"]),
        (["usage", "--since", "soon"], ["invalid"]),
    ],
)
def test_usage_errors_are_one_line_in_the_tools_voice(offline_cli, args, fragments):
    line = offline_cli(*args).error_line(*fragments, code=2)
    for jargon in ("Input should", "Value error", "is not a valid", "Usage:", "Try '", "Error:"):
        assert jargon not in line


class Flavour(StrEnum):
    plain = "plain"
    spicy = "spicy"


def _later_app(seen: dict) -> typer.Typer:
    """An app as others will grow it: options this module has never heard of."""
    app = typer.Typer(cls=AppamGroup, no_args_is_help=True, rich_markup_mode=None)

    @app.command("run")
    def run(
        words: list[str] | None = typer.Argument(None),
        max_steps: int = typer.Option(10, "--max-steps", min=1, max=50),
        flavour: Flavour = typer.Option(Flavour.plain, "--flavour"),
        yes: bool = typer.Option(False, "--yes", "-y"),
    ) -> None:
        seen.update(words=words, max_steps=max_steps, flavour=flavour, yes=yes)

    @app.command("other")
    def other() -> None:
        seen["other"] = True

    return app


def _invoke(app: typer.Typer, *args: str):
    return CliRunner().invoke(app, list(args))


def test_options_added_later_pass_through_the_default_command():
    seen: dict = {}
    result = _invoke(_later_app(seen), "--max-steps", "3", "-y", "tidy", "the", "repo", "--flavour", "spicy")
    assert result.exit_code == 0, result.output
    assert seen == {"words": ["tidy", "the", "repo"], "max_steps": 3, "flavour": Flavour.spicy, "yes": True}


@pytest.mark.parametrize(
    "args, line",
    [
        (["--max-steps", "0", "hi"], "appam: invalid --max-steps 0: must be between 1 and 50"),
        (["run", "--max-steps", "many"], "appam: invalid --max-steps many: must be a whole number (between 1 and 50)"),
        (["--flavour", "mild", "hi"], "appam: invalid --flavour mild: use one of plain, spicy"),
        (["run", "--max-step", "2"], "appam: no such option --max-step for `"),
        (["othr"], "appam: no command 'othr'; did you mean `other`?"),
    ],
)
def test_usage_errors_of_options_added_later_are_one_line(args, line):
    result = _invoke(_later_app({}), *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(line), lines[0]


# -- help --------------------------------------------------------------------------------------


def _all_command_paths() -> list[list[str]]:
    from typer.main import get_command

    from appam_cli.cli.app import app

    paths: list[list[str]] = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return paths


def test_top_level_help_lists_whole_descriptions_and_the_default_command(offline_cli):
    result = offline_cli("--help")
    assert result.exit_code == 0
    assert "..." not in result.stdout.split("Commands:", 1)[1]
    assert result.stdout.startswith("Usage: appam [OPTIONS] COMMAND [ARGS]... | [RUN OPTIONS] PROMPT...")
    text = " ".join(result.stdout.split())
    assert "Send a prompt and stream the answer; the exchange is saved as a session." in text
    assert 'A first argument that is not a command is a prompt' in text
    assert "looks like a mistyped command (`appam sesions list`) is refused, never sent" in text


def test_every_help_names_values_with_the_same_placeholders(offline_cli):
    for path in _all_command_paths():
        result = offline_cli(*path, "--help")
        assert result.exit_code == 0, (path, result.stderr)
        usage_line = result.stdout.splitlines()[0]
        assert "{" not in usage_line, usage_line  # Typer's {ARG} for a required argument
        for machine_word in ("<str>", "<int", "<float", "<list", "<path"):
            assert machine_word not in result.stdout, (path, result.stdout)
    run_help = offline_cli("run", "--help").stdout
    for shown in ("-m, --model MODEL", "--max-tokens N", "--api-base URL", "--timeout SECONDS", "[PROMPT]..."):
        assert shown in run_help
    assert "--since WHEN" in offline_cli("sessions", "list", "--help").stdout
    assert "Usage: appam sessions show [OPTIONS] ID" in offline_cli("sessions", "show", "--help").stdout


# -- the installed script ----------------------------------------------------------------------


@pytest.mark.e2e
def test_the_installed_appam_takes_a_bare_prompt_with_piped_text(provider):
    import subprocess

    from conftest import APPAM

    provider.enqueue(Reply("It sets x."))
    done = subprocess.run(
        [APPAM, "-m", "openai/test-model", "--api-base", provider.url, "explain", "this"],
        input="x = 1\n", capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "It sets x.\n"
    assert provider.requests[-1].messages[-1] == {"role": "user", "content": "explain this\n\nx = 1"}
    typo = subprocess.run([APPAM, "sesions", "list"], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert typo.returncode == 2 and typo.stdout == ""
    assert typo.stderr.startswith("appam: no command 'sesions'; did you mean `sessions`?")
    assert len(typo.stderr.splitlines()) == 1


def test_appam_help_shows_help_and_sends_nothing(cli):
    result = cli("help")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: appam [OPTIONS] COMMAND")
    result = cli("help", "sessions", "list")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: appam sessions list [OPTIONS]")
    cli("help", "sessions", "lits").error_line("no command 'lits' in `appam sessions`", code=2)
    assert cli.server.requests == [] and sessions(cli.home) == []
    assert "help" not in cli("--help").stdout.split("Commands:", 1)[1]  # not listed: --help is the way
