"""Named agents (agents/NAME.toml): real CLI, real litellm, the loopback provider.

What an agent file sets reaches the provider request (checked on the server), in the order
flag > agent file > APPAM_* > config.toml > default; the agent's name is saved on the session
and on every ledger row; a wrong file is one line naming the file and its line, exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_server import Reply
from sessions_store import load, only_session, saved_requests, sessions


def agent(home: Path, name: str, text: str) -> Path:
    folder = home / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def ask(cli, *args: str):
    """``appam run`` at the loopback server, the model left to the agent / config."""
    return cli("run", *args, "--api-base", cli.server.url, "--retries", "0")


def system_of(body: dict) -> str | None:
    first = body["messages"][0]
    return first["content"] if first["role"] == "system" else None


REVIEWER = """\
description = "Reviews diffs"
model = "openai/agent-model"
system = "You review code."
temperature = 0.3
max_tokens = 77
reasoning_effort = "low"
"""


def test_an_agents_values_reach_the_provider_and_its_name_is_saved(cli, appam_home):
    agent(appam_home, "reviewer", REVIEWER)
    result = ask(cli, "--agent", "reviewer", "look at this")
    assert result.exit_code == 0, result.stderr
    body = cli.server.requests[-1].body
    assert body["model"] == "agent-model"
    assert body["messages"] == [
        {"role": "system", "content": "You review code."},
        {"role": "user", "content": "look at this"},
    ]
    assert (body["temperature"], body["max_tokens"], body["reasoning_effort"]) == (0.3, 77, "low")
    session = only_session(appam_home)
    assert (session.agent_name, session.model) == ("reviewer", "openai/agent-model")
    assert [r.agent_name for r in saved_requests(appam_home)] == ["reviewer"]
    assert sessions(appam_home)[0].agent_name == "reviewer"


def test_usage_by_agent_shows_the_agent(cli, appam_home):
    agent(appam_home, "reviewer", REVIEWER)
    cli.server.enqueue(Reply("a", usage={"prompt_tokens": 7, "completion_tokens": 2}))
    assert ask(cli, "--agent", "reviewer", "one").exit_code == 0
    cli.server.enqueue(Reply("b", usage={"prompt_tokens": 5, "completion_tokens": 1}))
    assert ask(cli, "-m", "openai/test-model", "two").exit_code == 0
    report = cli("usage", "--by", "agent", "--json")
    assert report.exit_code == 0, report.stderr
    groups = {g["group"]: (g["requests"], g["input_tokens"]) for g in json.loads(report.stdout)["groups"]}
    assert groups == {"reviewer": (1, 7), "default": (1, 5)}
    assert "reviewer" in cli("usage", "--by", "agent").stdout
    assert "reviewer" in cli("sessions", "list", "--agent", "reviewer").stdout


# -- precedence: flag > agent file > APPAM_* > config.toml > default, for each key ----------------------

LEVELS = ("flag", "agent", "env", "config", "default")
PRECEDENCE = [
    # key, config.toml line, env value, agent line, flag, read from the request body, expected per level
    ("temperature", "temperature = 0.1", "0.2", "temperature = 0.3", ["--temperature", "0.4"],
     lambda b: b.get("temperature"), [0.4, 0.3, 0.2, 0.1, None]),
    ("max_tokens", "max_tokens = 11", "22", "max_tokens = 33", ["--max-tokens", "44"],
     lambda b: b.get("max_tokens"), [44, 33, 22, 11, None]),
    ("reasoning_effort", 'reasoning_effort = "minimal"', "low", 'reasoning_effort = "medium"',
     ["--reasoning-effort", "high"], lambda b: b.get("reasoning_effort"), ["high", "medium", "low", "minimal", None]),
    ("system", 'system = "from config"', "from env", 'system = "from agent"', ["-s", "from flag"],
     system_of, ["from flag", "from agent", "from env", "from config", None]),
    ("model", 'model = "openai/m-config"', "openai/m-env", 'model = "openai/m-agent"', ["-m", "openai/m-flag"],
     lambda b: b["model"], ["m-flag", "m-agent", "m-env", "m-config", None]),
]


@pytest.mark.parametrize("key, config_line, env_value, agent_line, flag, read, expected", PRECEDENCE,
                         ids=[case[0] for case in PRECEDENCE])
def test_precedence_flag_agent_env_config_default(cli, appam_home, write_config, monkeypatch,
                                                  key, config_line, env_value, agent_line, flag, read, expected):
    for level, want in zip(LEVELS, expected, strict=True):
        rank = LEVELS.index(level)
        write_config(config_line + "\n" if rank <= 3 else "")
        if rank <= 2:
            monkeypatch.setenv(f"APPAM_{key.upper()}", env_value)
        else:
            monkeypatch.delenv(f"APPAM_{key.upper()}", raising=False)
        agent(appam_home, "a", 'description = "levels"\n' + (agent_line + "\n" if rank <= 1 else ""))
        args = (flag if rank == 0 else []) + ([] if key == "model" else ["-m", "openai/test-model"])
        before = len(cli.server.requests)
        result = ask(cli, "--agent", "a", *args, f"at the {level} level")
        if key == "model" and level == "default":  # no model anywhere and no key: nothing is sent
            assert result.exit_code == 3 and len(cli.server.requests) == before, result.stderr
            continue
        assert result.exit_code == 0, (level, result.stderr)
        assert read(cli.server.requests[-1].body) == want, (level, cli.server.requests[-1].body)


def test_a_default_system_prompt_applies_to_new_sessions_only(cli, appam_home, write_config):
    assert cli.run("first").exit_code == 0
    write_config('system = "Be brief."\n')
    assert cli("continue", "last", "second", "--api-base", cli.server.url).exit_code == 0
    assert system_of(cli.server.requests[-1].body) is None
    assert [m.role for m in only_session(appam_home).messages] == ["user", "assistant", "user", "assistant"]
    assert cli.run("new one").exit_code == 0
    assert system_of(cli.server.requests[-1].body) == "Be brief."


# -- continue ---------------------------------------------------------------------------------------------

def test_continue_uses_the_sessions_agent_as_its_file_is_today(cli, appam_home):
    path = agent(appam_home, "reviewer", REVIEWER)
    assert ask(cli, "--agent", "reviewer", "one").exit_code == 0
    path.write_text(REVIEWER.replace("temperature = 0.3", "temperature = 0.6").replace("agent-model", "new-model"))
    result = cli("continue", "last", "two", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    body = cli.server.requests[-1].body
    # the file as it is now gives the options; the session keeps its own model (continue always does)
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("agent-model", 0.6, 77)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]  # no second system
    assert "run -c" not in result.stderr
    sid = only_session(appam_home).session_id
    assert ask(cli, "-c", "three").exit_code == 0  # run -c too
    assert cli.server.requests[-1].body["temperature"] == 0.6
    assert load(appam_home, sid).agent_name == "reviewer"
    assert [r.agent_name for r in saved_requests(appam_home)] == ["reviewer"] * 3


def test_continue_with_another_agent_takes_its_model_and_name(cli, appam_home):
    agent(appam_home, "reviewer", REVIEWER)
    agent(appam_home, "poet", 'model = "openai/poet-model"\ntemperature = 1.5\nsystem = "Rhyme."\n')
    assert ask(cli, "--agent", "reviewer", "one").exit_code == 0
    result = cli("continue", "last", "two", "--agent", "poet", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    body = cli.server.requests[-1].body
    assert (body["model"], body["temperature"]) == ("poet-model", 1.5)
    assert body["messages"][0] == {"role": "system", "content": "You review code."}  # the session's system stays
    assert "max_tokens" not in body  # the poet does not set it: the reviewer's does not leak
    session = only_session(appam_home)
    assert session.agent_name == "poet"
    assert [r.agent_name for r in saved_requests(appam_home)] == ["reviewer", "poet"]
    # -m still goes over an --agent's model
    assert cli("continue", "last", "3", "--agent", "poet", "-m", "openai/x-model", "--api-base", cli.server.url).exit_code == 0
    assert cli.server.requests[-1].body["model"] == "x-model"


def test_continue_when_the_agents_file_is_gone(cli, appam_home, write_config):
    path = agent(appam_home, "reviewer", REVIEWER)
    assert ask(cli, "--agent", "reviewer", "one").exit_code == 0
    path.unlink()
    write_config("temperature = 0.9\n")
    result = cli("continue", "last", "two", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "reviewer" in line]
    assert len(warning) == 1 and "no longer exists" in warning[0] and "default settings" in warning[0], result.stderr
    body = cli.server.requests[-1].body
    assert (body["model"], body["temperature"]) == ("agent-model", 0.9)  # the session's model, config's options
    assert "max_tokens" not in body
    assert only_session(appam_home).agent_name == "reviewer"  # still the reviewer's session
    # --agent default: on without a named agent, no warning, recorded as such
    result = cli("continue", "last", "three", "--agent", "default", "--api-base", cli.server.url)
    assert result.exit_code == 0 and "reviewer" not in result.stderr, result.stderr
    assert only_session(appam_home).agent_name == "default"
    assert [r.agent_name for r in saved_requests(appam_home)] == ["reviewer", "reviewer", "default"]


def test_an_imported_sessions_agent_without_a_file_is_answered_with_defaults(cli, appam_home):
    from sessions_store import make_session, save

    save(appam_home, make_session("q", "a", agent="llm", model="openai/test-model"))
    result = cli("continue", "last", "more", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert "'llm'" in result.stderr and "default settings" in result.stderr
    assert only_session(appam_home).agent_name == "llm"


# -- system_file --------------------------------------------------------------------------------------------

def test_system_file_is_relative_to_the_agent_file(cli, appam_home, tmp_path, monkeypatch):
    (appam_home / "agents" / "prompts").mkdir(parents=True)
    (appam_home / "agents" / "prompts" / "poet.md").write_text("Answer in verse.\nAlways.\n")
    agent(appam_home, "poet", 'model = "openai/test-model"\nsystem_file = "prompts/poet.md"\n')
    monkeypatch.chdir(tmp_path)  # not the agents folder: the path is the file's, not the shell's
    assert ask(cli, "--agent", "poet", "hi").exit_code == 0
    assert system_of(cli.server.requests[-1].body) == "Answer in verse.\nAlways.\n"
    shown = cli("agents", "show", "poet")
    assert "Answer in verse. Always." in shown.stdout and "prompts/poet.md" in shown.stdout


def test_a_missing_system_file_is_one_line(cli, appam_home):
    agent(appam_home, "poet", 'model = "openai/test-model"\nsystem_file = "nowhere.md"\n')
    result = ask(cli, "--agent", "poet", "hi")
    result.error_line("nowhere.md", "poet.toml")
    assert cli.server.requests == [] and not sessions(appam_home)


# -- wrong names and files -----------------------------------------------------------------------------------

def test_a_missing_agent_lists_the_agents_and_a_close_match(cli, appam_home):
    result = ask(cli, "--agent", "coder", "hi")
    result.error_line("no agent 'coder'", "appam agents new coder")
    agent(appam_home, "coder", 'model = "openai/test-model"\n')
    agent(appam_home, "poet", 'model = "openai/test-model"\n')
    result = ask(cli, "--agent", "codr", "hi")
    result.error_line("no agent 'codr'", "did you mean 'coder'?", "coder, poet")
    assert cli.server.requests == [] and not sessions(appam_home)


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden/x", "x y", "default/../y"])
def test_an_agent_name_is_a_safe_file_name(cli, appam_home, name):
    (appam_home / "x.toml").parent.mkdir(parents=True, exist_ok=True)
    (appam_home / "x.toml").write_text('model = "openai/test-model"\n')  # what ../x would reach
    ask(cli, "--agent", name, "hi").error_line("invalid agent name")
    cli("agents", "new", name).error_line("invalid agent name")
    assert cli.server.requests == []


def test_an_invalid_toml_file_is_one_line_with_its_line(cli, appam_home):
    agent(appam_home, "broken", 'model = "openai/test-model"\n\ntemperature = = 2\n')
    for result in (ask(cli, "--agent", "broken", "hi"), cli("agents", "show", "broken")):
        result.error_line("broken.toml", "line 3")
    assert cli.server.requests == []


def test_an_unknown_key_names_its_file_and_line(cli, appam_home):
    agent(appam_home, "typo", 'model = "openai/test-model"\n# a comment\n  temprature = 0.5\n')
    line = ask(cli, "--agent", "typo", "hi").error_line("typo.toml line 3", "temprature", "did you mean 'temperature'?")
    assert cli("agents", "show", "typo").error_line() == line
    agent(appam_home, "table", 'model = "openai/test-model"\n[extra]\nx = 1\n')
    ask(cli, "--agent", "table", "hi").error_line("table.toml line 2", "'extra'")
    assert cli.server.requests == []


BAD_AGENT_VALUES = [
    ("temperature = 3", "temperature"), ("temperature = -0.5", "temperature"), ('temperature = "hot"', "temperature"),
    ("temperature = nan", "temperature"), ("temperature = true", "temperature"),
    ("max_tokens = 0", "max_tokens"), ("max_tokens = 1.5", "max_tokens"), ('max_tokens = "100"', "max_tokens"),
    ('reasoning_effort = "huge"', "reasoning_effort"), ('reasoning_effort = "HIGH"', "reasoning_effort"),
    ("reasoning_effort = 1", "reasoning_effort"),
    ("system = 5", "system"), ('system = ["a"]', "system"), ("description = 1", "description"),
    ("model = 5", "model"), ('tools = "read_file"', "tools"), ("tools = [1]", "tools"), ('tools = ["a b"]', "tools"),
    ('mcp = "github"', "mcp"), ("mcp = [true]", "mcp"), ("max_steps = 0", "max_steps"), ("max_steps = 2.5", "max_steps"),
    ('system_file = ""', "system_file"), ("system_file = 3", "system_file"),
    ('system = "a"\nsystem_file = "b.md"', "system_file"), ('name = "other"', "name"),
]


@pytest.mark.parametrize("line, key", BAD_AGENT_VALUES, ids=[case[0] for case in BAD_AGENT_VALUES])
def test_a_wrong_agent_value_is_one_line_naming_file_line_and_key(cli, appam_home, line, key):
    agent(appam_home, "bad", "# one wrong value below\n" + line + "\n")
    number = 2 + line.count("\n")
    ask(cli, "--agent", "bad", "-m", "openai/test-model", "hi").error_line("bad.toml", f"line {number}", key)
    assert cli.server.requests == [] and not sessions(appam_home)


def test_tools_mcp_and_max_steps_are_read_and_shown(cli, appam_home):
    from appam_cli.agent.named import agent_tooling, choose_agent

    agent(appam_home, "ops", 'tools = ["read_file", "github.search"]\nmcp = ["github"]\nmax_steps = 4\n')
    tooling = agent_tooling(choose_agent("ops", warn=print))
    assert (tooling.tools, tooling.mcp, tooling.max_steps) == (("read_file", "github.search"), ("github",), 4)
    assert agent_tooling(choose_agent(None, warn=print)).tools is None
    shown = cli("agents", "show", "ops", "--json")
    values = json.loads(shown.stdout)["values"]
    assert values["tools"] == {"value": ["read_file", "github.search"], "source": "agent file"}
    assert values["mcp"]["value"] == ["github"] and values["max_steps"]["value"] == 4


# -- appam agents list | show | new ---------------------------------------------------------------------------

def test_agents_new_scaffolds_a_file_that_reads_back_and_refuses_to_overwrite(offline_cli, appam_home):
    result = offline_cli("agents", "new", "helper", "-m", "openai/test-model", "-s", 'Say "hi"\tplease', "-d", "Helps")
    assert result.exit_code == 0, result.stderr
    path = appam_home / "agents" / "helper.toml"
    text = path.read_text()
    assert "# temperature = " in text and "# tools = " in text and "system_file" in text  # every key explained
    shown = json.loads(offline_cli("agents", "show", "helper", "--json").stdout)
    assert shown["values"]["system"]["value"] == 'Say "hi"\tplease'
    assert shown["values"]["model"] == {"value": "openai/test-model", "source": "agent file"}
    assert shown["description"] == "Helps" and shown["file"] == text
    path.write_text(text + "# mine\n")
    offline_cli("agents", "new", "helper").error_line("already exists")
    assert path.read_text() == text + "# mine\n"
    offline_cli("agents", "new", "default").error_line("'default'")
    # a bare scaffold reads back too
    assert offline_cli("agents", "new", "bare").exit_code == 0
    assert offline_cli("agents", "show", "bare").exit_code == 0


def test_agents_list_text_and_json(offline_cli, appam_home):
    assert "no agents yet" in offline_cli("agents", "list").stdout
    agent(appam_home, "poet", 'description = "Writes verse"\nmodel = "openai/poet"\n')
    agent(appam_home, "coder", 'description = "Reviews\\ncode"\n')
    (appam_home / "agents" / "notes.txt").write_text("not an agent")
    result = offline_cli("agents", "list")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["coder  -            Reviews code", "poet   openai/poet  Writes verse"]
    data = json.loads(offline_cli("agents", "list", "--json").stdout)
    assert [(a["name"], a["model"], a["description"]) for a in data] == [
        ("coder", None, "Reviews\ncode"), ("poet", "openai/poet", "Writes verse")
    ]
    agent(appam_home, "broken", "model = \n")
    result = offline_cli("agents", "list")
    assert result.exit_code == 1
    assert "coder" in result.stdout and "poet" in result.stdout
    assert [line for line in result.stderr.splitlines() if line.strip()] == [result.stderr.strip()]
    assert "broken.toml" in result.stderr and "line 1" in result.stderr


def test_agents_show_says_where_each_value_comes_from(offline_cli, appam_home, write_config, monkeypatch):
    write_config('temperature = 0.7\nsystem = "From config."\n')
    monkeypatch.setenv("APPAM_MAX_TOKENS", "500")
    agent(appam_home, "poet", 'model = "openai/poet"\nreasoning_effort = "high"\n')
    result = offline_cli("agents", "show", "poet")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()

    def row(key: str) -> str:
        return next(line for line in lines if line.startswith(key + " "))

    assert "openai/poet" in row("model") and "(agent file)" in row("model")
    assert "0.7" in row("temperature") and "(config.toml)" in row("temperature")
    assert "500" in row("max_tokens") and "(APPAM_MAX_TOKENS)" in row("max_tokens")
    assert "high" in row("reasoning_effort") and "(agent file)" in row("reasoning_effort")
    assert "From config." in row("system")
    assert 'reasoning_effort = "high"' in result.stdout  # then the file itself
    offline_cli("agents", "show", "nobody").error_line("no agent 'nobody'")


# -- the new config keys and environment variables ---------------------------------------------------------------

BAD_CONFIG = [
    ("temperature = 2.5", "temperature"), ("temperature = -0.1", "temperature"), ('temperature = "0.5"', "temperature"),
    ("temperature = true", "temperature"), ("temperature = nan", "temperature"),
    ("max_tokens = 0", "max_tokens"), ("max_tokens = 1.5", "max_tokens"), ('max_tokens = "10"', "max_tokens"),
    ("max_tokens = -3", "max_tokens"),
    ('reasoning_effort = "huge"', "reasoning_effort"), ("reasoning_effort = 3", "reasoning_effort"),
    ('reasoning_effort = ""', "reasoning_effort"),
    ("system = 5", "system"), ('system = ["a"]', "system"),
]


@pytest.mark.parametrize("line, key", BAD_CONFIG, ids=[case[0] for case in BAD_CONFIG])
def test_a_wrong_new_config_value_is_one_line(cli, write_config, line, key):
    write_config(line + "\n")
    cli.run("hi").error_line(key, "config.toml")
    assert cli.server.requests == []


BAD_ENV = [
    ("APPAM_TEMPERATURE", "abc"), ("APPAM_TEMPERATURE", "2.1"), ("APPAM_TEMPERATURE", "nan"),
    ("APPAM_TEMPERATURE", "-1"), ("APPAM_MAX_TOKENS", "0"), ("APPAM_MAX_TOKENS", "1.5"), ("APPAM_MAX_TOKENS", "x"),
    ("APPAM_REASONING_EFFORT", "huge"), ("APPAM_REASONING_EFFORT", "High"),
]


@pytest.mark.parametrize("name, value", BAD_ENV)
def test_a_wrong_new_environment_value_is_one_line(cli, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    cli.run("hi").error_line(name)
    assert cli.server.requests == []


def test_a_wrong_reasoning_effort_flag_is_a_usage_error(cli):
    cli.run("--reasoning-effort", "huge", "hi").error_line("--reasoning-effort", "minimal", code=2)
    assert cli.server.requests == []


def test_good_new_config_values_are_taken(cli, write_config):
    write_config('temperature = 0\nmax_tokens = 9\nreasoning_effort = "none"\nsystem = ""\n')
    assert cli.run("hi").exit_code == 0
    body = cli.server.requests[-1].body
    assert (body["temperature"], body["max_tokens"], system_of(body)) == (0, 9, None)
    assert body.get("reasoning_effort") == "none"


# -- the chat ---------------------------------------------------------------------------------------------------

def test_chat_with_an_agent(cli, appam_home):
    agent(appam_home, "reviewer", REVIEWER)
    result = cli("chat", "--agent", "reviewer", "--api-base", cli.server.url, "--retries", "0",
                 input="first\n/new\nsecond\n")
    assert result.exit_code == 0, result.stderr
    bodies = [r.body for r in cli.server.requests]
    assert [(b["model"], system_of(b), b["temperature"]) for b in bodies] == [
        ("agent-model", "You review code.", 0.3), ("agent-model", "You review code.", 0.3)
    ]
    assert {s.agent_name for s in sessions(appam_home)} == {"reviewer"} and len(sessions(appam_home)) == 2
    # reopening the session in the chat goes on with its agent
    result = cli("chat", "-c", "--api-base", cli.server.url, input="third\n")
    assert result.exit_code == 0, result.stderr
    assert cli.server.requests[-1].body["temperature"] == 0.3
    assert [r.agent_name for r in saved_requests(appam_home)] == ["reviewer"] * 3


# -- the README's examples read as they are printed ------------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def _toml_block(after: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```toml\n", text.index(after)) + len("```toml\n")
    return text[start:text.index("```", start)]


def test_the_readme_agent_example_reads_back(offline_cli, appam_home):
    agent(appam_home, "reviewer", _toml_block("### Named agents"))
    listed = offline_cli("agents", "list", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["model"] == "anthropic/claude-sonnet-4-5"


def test_the_readme_config_example_reads_back(offline_cli, write_config):
    from appam_cli.config import load_settings

    write_config(_toml_block("Precedence everywhere: command-line flag"))
    settings = load_settings()
    assert settings.system == "Be concise."
    assert (settings.request.temperature, settings.request.max_tokens, settings.request.reasoning_effort) == (
        0.2, 4096, "medium"
    )


def test_a_mistyped_model_in_an_agent_file_names_the_file(cli, appam_home):
    agent(appam_home, "typo", 'model = "gpt-4o-minii"\n')
    ask(cli, "--agent", "typo", "hi").error_line("gpt-4o-minii", "did you mean", "typo.toml")
    assert cli.server.requests == []


def test_the_chat_info_names_the_agent(cli, appam_home):
    agent(appam_home, "reviewer", REVIEWER)
    result = cli("chat", "-a", "reviewer", "--api-base", cli.server.url, input="/info\n")
    assert result.exit_code == 0, result.stderr
    assert "agent reviewer (" in " ".join(result.stdout.split())


def test_agents_new_where_the_folder_cannot_be(offline_cli, appam_home):
    appam_home.mkdir(parents=True)
    (appam_home / "agents").write_text("a file, not a folder")
    offline_cli("agents", "new", "x").error_line("cannot create the agents folder")
    assert (appam_home / "agents").read_text() == "a file, not a folder"


def test_an_agents_model_may_be_an_alias(cli, appam_home, write_config):
    write_config('[aliases]\nfast = "openai/test-model"\n')
    agent(appam_home, "quick", 'model = "fast"\n')
    result = ask(cli, "-a", "quick", "hello there")
    assert result.exit_code == 0, result.stderr
    assert cli.server.chat_requests[-1].body["model"] == "test-model"
    (session,) = sessions(appam_home)
    assert session.model == "openai/test-model" and session.agent_name == "quick"
