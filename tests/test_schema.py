"""Structured output: `--schema` / `--schema-multi` on run and continue, sent as `response_format`
(OpenAI's json_schema shape; what litellm makes of it for Anthropic), the answer checked and printed
as JSON, exit 6 when it does not match (saved as it arrived). Real CLI, real litellm, loopback."""

from __future__ import annotations

import json

import pytest
from provider_server import Reply
from sessions_store import only_session, sessions

from appam_cli.agent.structured import concise_schema, is_strict, load_schema

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}
CONCISE = "name, age int, bio: a short biography"


def test_concise_schema_is_sent_as_openai_json_schema_and_the_answer_printed_as_json(cli):
    cli.server.enqueue(Reply('{"name": "Ada", "age": 36, "bio": "Wrote the first program."}'))
    result = cli.run("--schema", CONCISE, "invent a person")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36, "bio": "Wrote the first program."}
    assert result.stdout.startswith("{\n  ")  # indented JSON, nothing else on stdout
    body = cli.server.requests[-1].body
    # https://platform.openai.com/docs/api-reference/chat/create: response_format
    #   {"type": "json_schema", "json_schema": {"name", "description"?, "schema"?, "strict"?}}
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "age": {"type": "integer"},
                    "bio": {"type": "string", "description": "a short biography"},
                },
                "required": ["name", "age", "bio"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    saved = only_session(cli.home).messages[-1]
    assert saved.content == '{"name": "Ada", "age": 36, "bio": "Wrote the first program."}'


def test_schema_from_a_file_and_inline_json(cli, tmp_path):
    path = tmp_path / "person.json"
    path.write_text(json.dumps({**PERSON, "title": "Person record"}))
    cli.server.enqueue(Reply('{"name": "Ada", "age": 36}'), Reply('{"name": "Alan", "age": 41}'))
    result = cli.run("--schema", str(path), "a person")
    assert result.exit_code == 0, result.stderr
    sent = cli.server.requests[-1].body["response_format"]["json_schema"]
    assert sent["name"] == "Person_record" and sent["strict"] is True
    result = cli.run("--schema", json.dumps(PERSON), "another")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Alan", "age": 41}


def test_a_schema_outside_strict_mode_is_sent_not_strict(cli):
    loose = {"type": "object", "properties": {"name": {"type": "string"}}}
    cli.server.enqueue(Reply('{"name": "Ada"}'))
    assert cli.run("--schema", json.dumps(loose), "q").exit_code == 0
    assert cli.server.requests[-1].body["response_format"]["json_schema"]["strict"] is False


def test_an_answer_that_does_not_match_is_exit_6_and_saved_as_it_arrived(cli):
    cli.server.enqueue(Reply('{"name": "Ada", "age": "thirty-six"}'))
    result = cli.run("--schema", "name, age int", "invent a person")
    assert result.exit_code == 6
    assert result.stdout == ""
    errors = result.appam_lines()
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert errors[0].startswith("appam: the answer does not match the schema at $.age: 'thirty-six' is not of type")
    session = only_session(cli.home)
    assert session.messages[-1].content == '{"name": "Ada", "age": "thirty-six"}'
    assert session.messages[-1].status == "completed"
    assert session.session_id[:8] in errors[0]


def test_an_answer_that_is_not_json_is_exit_6(cli):
    cli.server.enqueue(Reply("Sure! Ada, 36, wrote the first program."))
    result = cli.run("--schema", CONCISE, "q")
    assert result.exit_code == 6
    assert result.appam_lines() and "the answer is not JSON" in result.appam_lines()[-1]
    assert only_session(cli.home).messages[-1].content == "Sure! Ada, 36, wrote the first program."


def test_json_in_a_fence_is_accepted(cli):
    cli.server.enqueue(Reply('```json\n{"name": "Ada", "age": 36}\n```'))
    result = cli.run("--schema", json.dumps(PERSON), "q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36}


def test_schema_multi_asks_for_items_and_prints_the_list(cli):
    cli.server.enqueue(Reply('{"items": [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]}'))
    result = cli.run("--schema-multi", "name, age int", "two people")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]
    sent = cli.server.requests[-1].body["response_format"]["json_schema"]
    assert sent["name"] == "items" and sent["strict"] is True
    assert sent["schema"]["required"] == ["items"]
    assert sent["schema"]["properties"]["items"]["type"] == "array"
    assert sent["schema"]["properties"]["items"]["items"]["required"] == ["name", "age"]


def test_schema_multi_with_a_bad_item_is_exit_6(cli):
    cli.server.enqueue(Reply('{"items": [{"name": "Ada", "age": 36}, {"name": "Alan"}]}'))
    result = cli.run("--schema-multi", "name, age int", "two people")
    assert result.exit_code == 6
    assert "$.items[1]" in result.appam_lines()[-1]


def test_continue_takes_a_schema(cli):
    cli.server.enqueue(Reply("Ada Lovelace"), Reply('{"name": "Ada", "age": 36}'))
    cli.run("who wrote the first program?")
    sid = only_session(cli.home).session_id
    result = cli("continue", sid, "as JSON", "--schema", "name, age int", "--api-base", cli.server.url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36}
    assert "response_format" not in cli.server.requests[0].body  # only the turn that asked for it
    assert cli.server.requests[-1].body["response_format"]["type"] == "json_schema"


def test_the_default_command_takes_a_schema(cli):
    cli.server.enqueue(Reply('{"city": "Paris"}'))
    result = cli("--schema", "city", "-m", "openai/test-model", "--api-base", cli.server.url, "capital of France")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"city": "Paris"}


def test_a_cut_answer_is_incomplete_not_invalid(cli):
    cli.server.enqueue(Reply(['{"name": ', '"Ada", ', '"age": 36}'], drop_after=1))
    result = cli.run("--schema", "name, age int", "q")
    assert result.exit_code == 4
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--schema", "name, age years"], "unknown type 'years'"),
        (["--schema", '{"type": "object", "properties": '], "not valid JSON"),
        (["--schema", '{"type": "objekt"}'], "invalid --schema"),
        (["--schema", "[1, 2]"], "invalid --schema field"),
        (["--schema", ",,"], "no fields"),
        (["--schema", "name", "--schema-multi", "name"], "not both"),
        (["--schema", "name", "--json"], "leave out --json"),
        (["--schema", "name", "-x"], "leave out -x/--extract"),
    ],
)
def test_bad_schemas_are_usage_errors_before_anything_is_sent(cli, args, fragment):
    result = cli.run(*args, "q")
    result.error_line(fragment, code=2)
    assert cli.server.requests == [] and sessions(cli.home) == []


def test_continue_without_a_prompt_refuses_a_schema(cli):
    cli.server.enqueue(Reply("hi"))
    cli.run("q")
    result = cli("continue", "--schema", "name")
    result.error_line("need a prompt", code=2)


# -- Anthropic: what litellm documents it sends ---------------------------------------------------


@pytest.fixture
def anthropic_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")


def test_anthropic_without_native_structured_output_gets_a_forced_tool(cli, anthropic_key):
    """litellm: a model without ``supports_native_structured_output`` gets the schema as the input schema of
    a tool named ``json_tool_call`` that ``tool_choice`` forces; the tool's input comes back as the answer text."""
    cli.server.enqueue(Reply(tool_calls=[{"name": "json_tool_call", "arguments": {"name": "Ada", "age": 36}}]))
    result = cli("run", "--schema", "name, age int", "q", "-m", "anthropic/test-model",
                 "--api-base", cli.server.anthropic_url, "--retries", "0")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36}
    body = cli.server.messages_requests[-1].body
    assert body["tool_choice"] == {"name": "json_tool_call", "type": "tool"}
    tool = next(t for t in body["tools"] if t["name"] == "json_tool_call")
    assert tool["input_schema"]["properties"] == {"name": {"type": "string"}, "age": {"type": "integer"}}
    assert tool["input_schema"]["required"] == ["name", "age"]


def test_anthropic_with_native_structured_output_gets_output_format(cli, anthropic_key):
    """litellm: Claude Sonnet 4.5 (``supports_native_structured_output``) gets Anthropic's ``output_format``
    ``{"type": "json_schema", "schema": ...}``; the answer is text."""
    cli.server.enqueue(Reply('{"name": "Ada", "age": 36}'))
    result = cli("run", "--schema", "name, age int", "q", "-m", "anthropic/claude-sonnet-4-5",
                 "--api-base", cli.server.anthropic_url, "--retries", "0")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36}
    body = cli.server.messages_requests[-1].body
    assert body["output_format"]["type"] == "json_schema"
    assert body["output_format"]["schema"]["required"] == ["name", "age"]


# -- the pieces -----------------------------------------------------------------------------------


def test_concise_schema_forms():
    assert concise_schema("name") == {
        "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
        "additionalProperties": False,
    }
    multi_line = concise_schema("title: the title, in sentence case\nscore float\ndone bool")
    assert multi_line["properties"] == {
        "title": {"type": "string", "description": "the title, in sentence case"},
        "score": {"type": "number"},
        "done": {"type": "boolean"},
    }


def test_strictness_is_read_from_the_schema():
    assert is_strict(PERSON)
    assert not is_strict({"type": "object", "properties": {"a": {"type": "string"}}})
    nested = {**PERSON, "properties": {**PERSON["properties"], "pet": {"type": "object", "properties": {"x": {}}}},
              "required": ["name", "age", "pet"]}
    assert not is_strict(nested)


def test_load_schema_reads_a_file_of_the_concise_form(tmp_path):
    path = tmp_path / "fields.txt"
    path.write_text("name\nage int\n")
    assert load_schema(str(path)).schema["required"] == ["name", "age"]


def test_gemini_gets_a_response_json_schema(cli, monkeypatch):
    """litellm maps response_format to Gemini's generationConfig response MIME type and JSON schema."""
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-test-dummy")
    cli.server.enqueue(Reply('{"name": "Ada", "age": 36}'))
    result = cli("run", "--schema", "name, age int", "q", "-m", "gemini/gemini-2.5-flash",
                 "--api-base", cli.server.gemini_url, "--retries", "0")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"name": "Ada", "age": 36}
    config = cli.server.gemini_requests[-1].body["generationConfig"]
    # litellm writes the proto field names (response_mime_type); Gemini's JSON takes them as well as camelCase
    assert config["response_mime_type"] == "application/json"
    assert config["response_json_schema"]["required"] == ["name", "age"]


# -- the loopback server refuses what the providers refuse ----------------------------------------


@pytest.mark.parametrize(
    "response_format, ok",
    [
        ({"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True}}, True),
        ({"type": "json_object"}, True),
        ({"type": "json_schema", "json_schema": {"schema": {"type": "object"}}}, False),  # no name
        ({"type": "json_schema", "json_schema": {"name": "an answer", "schema": {}}}, False),  # a space in the name
        ({"type": "json_schema", "schema": {"type": "object"}}, False),  # the schema one level too high
        ({"type": "json_schema", "json_schema": {"name": "a", "schema": {}, "strict": "yes"}}, False),
        ({"type": "xml"}, False),
    ],
)
def test_the_loopback_server_checks_response_format_as_openai_documents_it(provider, response_format, ok):
    import httpx

    provider.enqueue(Reply("{}"))
    body = {"model": "test-model", "messages": [{"role": "user", "content": "q"}], "response_format": response_format}
    answer = httpx.post(f"{provider.url}/chat/completions", json=body, timeout=5)
    assert (answer.status_code == 200) is ok, answer.text
    if not ok:
        assert answer.json()["error"]["param"] == "response_format"
