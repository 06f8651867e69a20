"""``appam config path | show | get | set | unset | edit | init``: the config you can see and change.

Every case runs the real CLI on the test's own APPAM_HOME; ``set`` and ``unset`` are checked on
the file's text (comments and order kept) and on what ``load_settings`` then reads.
"""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from appam_cli.config import load_settings
from appam_cli.config_keys import KEYS, SCALARS

COMMENTED = textwrap.dedent(
    """\
    # my settings: keep this comment
    model = "gpt-4o-mini"   # the everyday model
    timeout = 30

    [history]
    # how many to keep
    max_sessions = 100
    """
)


def config_text(home) -> str:
    return (home / "config.toml").read_text()


def test_path_names_the_file_under_appam_home(offline_cli):
    result = offline_cli("config", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(offline_cli.home / "config.toml")


def test_show_tells_each_value_and_where_it_came_from(offline_cli, write_config, monkeypatch):
    write_config(COMMENTED)
    monkeypatch.setenv("APPAM_RETRIES", "7")
    result = offline_cli("config", "show", "--json", "-m", "anthropic/claude-sonnet-4-5")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["model"] == {"value": "anthropic/claude-sonnet-4-5", "source": "flag"}
    assert shown["timeout"] == {"value": 30.0, "source": "file"}
    assert shown["retries"] == {"value": 7, "source": "environment"}
    assert shown["history.max_sessions"] == {"value": 100, "source": "file"}
    assert shown["worker_idle"] == {"value": 600.0, "source": "default"}
    assert set(shown) >= {k.name for k in SCALARS}  # every key of the table, none forgotten


def test_show_as_text_has_one_line_per_key(offline_cli, write_config, monkeypatch):
    write_config(COMMENTED)
    monkeypatch.setenv("APPAM_TIMEOUT", "12")
    lines = offline_cli("config", "show").stdout.splitlines()
    timeout = next(line for line in lines if line.startswith("timeout "))
    assert timeout.split()[1:] == ["12.0", "environment", "($APPAM_TIMEOUT)"]
    model = next(line for line in lines if line.startswith("model "))
    assert model.split()[1:] == ['"gpt-4o-mini"', "file"]
    assert len([line for line in lines if not line.startswith("#")]) == len(SCALARS)


def test_show_keys_lists_every_key_of_the_table(offline_cli):
    out = offline_cli("config", "show", "--keys").stdout
    for key in KEYS:
        assert key.shown in out
        if key.env:
            assert f"${key.env}" in out


def test_get_prints_the_effective_value_plainly(offline_cli, write_config, monkeypatch):
    write_config(COMMENTED)
    assert offline_cli("config", "get", "model").stdout == "gpt-4o-mini\n"
    assert offline_cli("config", "get", "history.max_sessions").stdout == "100\n"
    monkeypatch.setenv("APPAM_MODEL", "openai/from-env")
    assert offline_cli("config", "get", "model").stdout == "openai/from-env\n"
    unset = offline_cli("config", "get", "api_base")
    unset.error_line("api_base has no value", "the provider's own")


def test_set_keeps_the_files_comments_and_order(offline_cli, write_config):
    write_config(COMMENTED)
    result = offline_cli("config", "set", "history.max_sessions", "250")
    assert result.exit_code == 0, result.stderr
    assert offline_cli("config", "set", "model", "anthropic/claude-sonnet-4-5").exit_code == 0
    assert offline_cli("config", "set", "history.auto_save", "off").exit_code == 0
    assert config_text(offline_cli.home) == textwrap.dedent(
        """\
        # my settings: keep this comment
        model = "anthropic/claude-sonnet-4-5"   # the everyday model
        timeout = 30

        [history]
        # how many to keep
        max_sessions = 250
        auto_save = false
        """
    )
    settings = load_settings()
    assert (settings.max_sessions, settings.auto_save, settings.model) == (250, False, "anthropic/claude-sonnet-4-5")


def test_set_writes_typed_values_and_creates_tables(offline_cli):
    for key, value in [
        ("history.max_sessions", "0"),
        ("timeout", "45"), ("retries", "2"), ("worker", "no"), ("budget.daily_usd", "1.5"),
        ("aliases.fast", "groq/llama-3.3-70b-versatile"), ("profiles.local.api_base", "http://127.0.0.1:8080/v1"),
        ("profiles.local.models", "qwen, llama"), ('prices."openai/gpt-4.1-x"', "input = 0.5, output = 1.5"),
    ]:
        result = offline_cli("config", "set", key, value)
        assert result.exit_code == 0, (key, result.stderr)
    settings = load_settings()
    assert settings.request.timeout == 45.0 and settings.request.retries == 2 and settings.worker is False
    assert settings.budget.daily_usd == 1.5
    assert settings.aliases == {"fast": "groq/llama-3.3-70b-versatile"}
    assert settings.profiles["local"].models == ("qwen", "llama")
    assert settings.prices["openai/gpt-4.1-x"].to_per_million()["output"] == pytest.approx(1.5)
    text = config_text(offline_cli.home)
    assert "max_sessions = 0" in text and settings.max_sessions is None  # 0: keep all
    assert "timeout = 45.0" in text and "worker = false" in text and '[prices."openai/gpt-4.1-x"]' in text


def test_a_model_name_with_dots_needs_no_quotes(offline_cli):
    assert offline_cli("config", "set", "prices.openai/gpt-4.1-x", "input = 1, output = 2").exit_code == 0
    result = offline_cli("config", "set", "prices.openai/gpt-4.1-x.output", "3")
    assert result.exit_code == 0, result.stderr
    assert offline_cli("config", "get", 'prices."openai/gpt-4.1-x".output').stdout == "3.0\n"


@pytest.mark.parametrize(
    "key, value, fragments",
    [
        ("timeout", "abc", ["timeout", "'abc' is not a number"]),
        ("timeout", "0", ["timeout", "more than 0"]),
        ("retries", "1.5", ["retries", "not a whole number"]),
        ("history.auto_save", "maybe", ["history.auto_save", "not true or false"]),
        ("api_base", "localhost:8080", ["api_base", "not an http(s) URL"]),
        ("budget.monthly_usd", "-3", ["budget.monthly_usd", "more than 0"]),
        ("profiles.openai.api_base", "http://127.0.0.1:1/v1", ["'openai' is a litellm provider prefix"]),
        ("profiles.local.api_key_env", "sk-live-123", ["api_key_env", "never the key itself"]),
        ("profiles.local.models", "qwen", ["[profiles.local]", "api_base is required"]),
        ('prices."openai/x".input', "0.5", ["output is required"]),
        ("aliases.fast", "fast", ["'fast' is an alias too"]),
    ],
)
def test_set_checks_the_value_before_writing_anything(offline_cli, write_config, key, value, fragments):
    path = write_config(COMMENTED)
    result = offline_cli("config", "set", key, value)
    result.error_line(*fragments, code=1)
    assert path.read_text() == COMMENTED  # nothing written


@pytest.mark.parametrize(
    "typed, meant",
    [("modle", "model"), ("timout", "timeout"), ("history.auto_sve", "history.auto_save"), ("aliasess.x", None)],
)
def test_an_unknown_key_suggests_the_closest(offline_cli, typed, meant):
    for args in (("get", typed), ("set", typed, "1"), ("unset", typed)):
        line = offline_cli("config", *args).error_line(f"unknown config key {typed!r}")
        if meant:
            assert f"did you mean {meant}?" in line


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('modle = "gpt-4o"\n', "unknown key modle (did you mean model?)"),
        ("[history]\nmax_session = 3\n", "unknown key history.max_session (did you mean max_sessions?)"),
        ("[budget]\ndaily = 5\n", "unknown key budget.daily (did you mean daily_usd?)"),
        ('[profiles.local]\napi_base = "http://127.0.0.1:1/v1"\napi_keyenv = "X"\n',
         "unknown key profiles.local.api_keyenv (did you mean api_key_env?)"),
    ],
)
def test_the_files_unknown_key_suggests_the_closest_for_every_command(offline_cli, write_config, text, fragment):
    write_config(text)
    offline_cli("sessions", "list").error_line(fragment, "config.toml")


def test_unset_removes_the_key_and_keeps_the_rest(offline_cli, write_config):
    write_config(COMMENTED)
    result = offline_cli("config", "unset", "timeout")
    assert result.exit_code == 0, result.stderr
    assert config_text(offline_cli.home) == COMMENTED.replace("timeout = 30\n", "")
    assert load_settings().request.timeout == 600.0
    again = offline_cli("config", "unset", "timeout")
    assert again.exit_code == 0 and "is not set" in again.stdout


def test_unset_that_would_leave_an_invalid_file_is_refused(offline_cli, write_config):
    path = write_config('[profiles.local]\napi_base = "http://127.0.0.1:1/v1"\nmodels = ["q"]\n')
    offline_cli("config", "unset", "profiles.local.api_base").error_line("api_base is required")
    assert "api_base" in path.read_text()


def test_set_tells_when_the_environment_overrides_the_file(offline_cli, monkeypatch):
    monkeypatch.setenv("APPAM_MODEL", "openai/from-env")
    result = offline_cli("config", "set", "model", "gpt-4o")
    assert result.exit_code == 0
    assert "$APPAM_MODEL is set in this environment" in result.stderr


def test_init_writes_a_commented_starter_that_reads_as_the_defaults(offline_cli):
    result = offline_cli("config", "init")
    assert result.exit_code == 0, result.stderr
    text = config_text(offline_cli.home)
    for key in SCALARS:
        assert f"# {key.parts[-1]} = " in text, key.name
    shown = json.loads(offline_cli("config", "show", "--json").stdout)
    assert "file" not in {r["source"] for r in shown.values()}  # all commented out
    assert offline_cli("config", "set", "history.auto_save", "false").exit_code == 0
    after = config_text(offline_cli.home)
    assert after.startswith(text.split("[history]")[0])  # the comments before it are untouched
    assert load_settings().auto_save is False


def test_init_never_replaces_a_file_unless_forced(offline_cli, write_config):
    path = write_config(COMMENTED)
    offline_cli("config", "init").error_line("already exists", "--force")
    assert path.read_text() == COMMENTED
    assert offline_cli("config", "init", "--force").exit_code == 0
    assert path.read_text() != COMMENTED


def test_a_key_added_to_the_table_works_everywhere(offline_cli, monkeypatch):
    """How a key is added: one row in config_keys.KEYS (and its field). Reading, its variable, show,
    get and set follow without another change."""
    import appam_cli.config_keys as ck
    from appam_cli.config_values import WHOLE

    row = ck.Key("history.keep_days", WHOLE, "days to keep", "request.retries", "APPAM_KEEP_DAYS")
    monkeypatch.setattr(ck, "KEYS", (*ck.KEYS, row))
    monkeypatch.setattr(ck, "SCALARS", (*ck.SCALARS, row))
    assert offline_cli("config", "set", "history.keep_days", "9").exit_code == 0
    assert offline_cli("config", "get", "history.keep_days").stdout == "9\n"
    monkeypatch.setenv("APPAM_KEEP_DAYS", "11")
    shown = json.loads(offline_cli("config", "show", "--json").stdout)
    assert shown["history.keep_days"] == {"value": 11, "source": "environment"}
    offline_cli("config", "set", "history.keep_days", "x").error_line("history.keep_days", "not a whole number")


EDITOR = "import sys, pathlib; pathlib.Path(sys.argv[-1]).write_text({text!r})"


@pytest.mark.e2e
def test_edit_opens_the_editor_and_checks_the_file(offline_cli, monkeypatch, tmp_path):
    script = tmp_path / "editor.py"
    script.write_text(EDITOR.format(text='model = "gpt-4o"\n'))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = offline_cli("config", "edit")
    assert result.exit_code == 0, result.stderr
    assert "is valid" in result.stderr
    assert load_settings().model == "gpt-4o"


@pytest.mark.e2e
def test_edit_that_leaves_an_invalid_file_is_one_line_without_a_terminal(offline_cli, monkeypatch, tmp_path):
    script = tmp_path / "editor.py"
    script.write_text(EDITOR.format(text="timeout = -1\n"))
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    offline_cli("config", "edit").error_line("invalid value for timeout", "appam config edit")


@pytest.mark.e2e
def test_edit_with_a_missing_editor_is_one_line(offline_cli, monkeypatch):
    monkeypatch.setenv("VISUAL", "/nonexistent/editor --wait")
    offline_cli("config", "edit").error_line("cannot start the editor", "$VISUAL")


@pytest.mark.e2e
def test_config_commands_and_models_never_import_litellm(offline_cli, write_config):
    from import_report import NOT_FOR_HELP, assert_light, run_appam

    write_config('[aliases]\nfast = "team/m"\n[profiles.team]\napi_base = "http://127.0.0.1:1/v1"\n')
    for args in (("config", "show"), ("config", "get", "aliases.fast"), ("config", "set", "timeout", "9"),
                 ("models", "fast")):
        run = run_appam(*args)
        assert run.returncode == 0, (args, run.stderr)
        assert_light(run, NOT_FOR_HELP)


def test_the_readme_documents_every_keys_variable():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [key.env for key in SCALARS if key.env and f"`{key.env}`" not in readme]
    assert not missing, f"README's Configuration does not name {missing}"


def test_unset_removes_a_mistyped_key_that_stops_every_command(offline_cli, write_config):
    path = write_config('modle = "gpt-4o"  # a typo\ntimout = 5\ntimeout = 5\n')
    offline_cli("config", "show").error_line("unknown key modle (did you mean model?)")
    for typo in ("modle", "timout"):
        result = offline_cli("config", "unset", typo)
        assert result.exit_code == 0, result.stderr
    assert path.read_text() == "timeout = 5\n"
    assert offline_cli("config", "show").exit_code == 0


def test_a_profiles_model_with_dots_needs_no_quotes_either(offline_cli):
    assert offline_cli("config", "set", "profiles.lab.api_base", "http://127.0.0.1:1/v1").exit_code == 0
    result = offline_cli("config", "set", "profiles.lab.prices.qwen-2.5", "input = 1, output = 2")
    assert result.exit_code == 0, result.stderr
    assert offline_cli("config", "set", "profiles.lab.prices.qwen-2.5.output", "4").exit_code == 0
    rates = load_settings().prices["lab/qwen-2.5"].to_per_million()
    assert (rates["input"], rates["output"]) == (1.0, 4.0)
