"""What crosses between the model and an MCP tool, in-process: the ToolSpec a server's tool becomes
(names both ways, side effects from annotations, the schema), arguments checked against the tool's
inputSchema, and content blocks turned into the text the model reads."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mcp import types

from appam_cli.tools.mcp.config import McpServerConfig
from appam_cli.tools.mcp.results import block_text, parameters, result_text, validator
from appam_cli.tools.mcp.servers import McpServers, call_timeout, tool_spec
from appam_cli.tools.spec import ToolError
from appam_cli.tools.toolbox import Toolbox

SCHEMA = {
    "type": "object",
    "properties": {"a": {"type": "integer", "minimum": 0}, "tags": {"type": "array", "items": {"type": "string"}}},
    "required": ["a"],
    "additionalProperties": False,
}


def _connection(name: str = "gh") -> SimpleNamespace:
    return SimpleNamespace(name=name, config=McpServerConfig(name, command="x"), running=True)


def _tool(name: str, *, read_only: bool | None = None, schema: dict | None = None, **extra) -> types.Tool:
    annotations = types.ToolAnnotations(read_only_hint=read_only) if read_only is not None else None
    return types.Tool(name=name, input_schema=schema or {"type": "object"}, annotations=annotations, **extra)


def test_a_tool_is_server_dot_tool_for_users_and_server__tool_on_the_wire():
    spec = tool_spec(_connection("git-hub"), _tool("list.issues", description="List issues"))
    assert spec.name == "git-hub.list.issues"
    assert spec.wire_name == "git-hub__list__issues"
    assert spec.source == "mcp: git-hub"
    assert spec.description == "List issues"
    toolbox = Toolbox([spec, tool_spec(_connection("git-hub"), _tool("echo"))])
    found = toolbox.find("git-hub__list__issues")
    assert found is not None and found.name == "git-hub.list.issues"
    assert toolbox.find("git-hub.list.issues") is None  # the wire name is what comes back
    assert [t["function"]["name"] for t in toolbox.provider_tools()] == ["git-hub__list__issues", "git-hub__echo"]


def test_a_dead_servers_tools_are_no_longer_offered():
    alive, dead = _connection("a"), _connection("b")
    toolbox = Toolbox([tool_spec(alive, _tool("echo")), tool_spec(dead, _tool("echo"))])
    assert [t["function"]["name"] for t in toolbox.provider_tools()] == ["a__echo", "b__echo"]
    dead.running = False
    assert [t["function"]["name"] for t in toolbox.provider_tools()] == ["a__echo"]
    assert toolbox.find("b__echo") is not None  # a call that still comes is answered "unavailable"


@pytest.mark.parametrize(
    "read_only, side_effects",
    [(True, False), (False, True), (None, True)],
    ids=["readOnlyHint true", "readOnlyHint false", "no annotations"],
)
def test_side_effects_come_from_the_read_only_hint_and_unknown_means_side_effects(read_only, side_effects):
    assert tool_spec(_connection(), _tool("t", read_only=read_only)).side_effects is side_effects


def test_a_tool_without_a_description_is_described_by_its_title():
    assert tool_spec(_connection(), _tool("t", title="Do the thing")).description == "Do the thing"


def test_the_schema_sent_to_providers_is_an_object_with_properties():
    assert parameters({"type": "object"}) == {"type": "object", "properties": {}}
    assert parameters(SCHEMA) == SCHEMA
    assert parameters({"type": "string"}) == {"type": "object", "properties": {}}
    assert parameters(None) == {"type": "object", "properties": {}}


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({}, "'a' is a required property"),
        ({"a": "1"}, "a: '1' is not of type 'integer'"),
        ({"a": -1}, "a: -1 is less than the minimum of 0"),
        ({"a": 1, "tags": ["x", 2]}, "tags/1: 2 is not of type 'string'"),
        ({"a": 1, "b": 2}, "Additional properties are not allowed ('b' was unexpected)"),
    ],
)
def test_arguments_are_checked_against_the_input_schema_before_the_call(arguments, message):
    check = validator(SCHEMA)
    assert check is not None
    with pytest.raises(ToolError) as caught:
        check(arguments)
    assert caught.value.message == message
    assert check({"a": 3, "tags": ["x"]}) == {"a": 3, "tags": ["x"]}


def test_a_schema_that_is_not_valid_leaves_the_arguments_to_the_server():
    assert validator({"type": "object", "properties": {"a": {"type": 5}}}) is None
    spec = tool_spec(_connection(), _tool("t", schema={"type": "object", "required": "a"}))
    assert spec.validate is None


def test_text_blocks_are_joined_and_other_blocks_described():
    result = types.CallToolResult(
        content=[
            types.TextContent(text="first"),
            types.ImageContent(data="aGVsbG8=", mime_type="image/png"),
            types.AudioContent(data="AAAA", mime_type="audio/wav"),
            types.ResourceLink(name="readme", uri="file:///r/README.md"),
            types.EmbeddedResource(resource=types.TextResourceContents(uri="file:///r/a.txt", text="inside")),
            types.EmbeddedResource(
                resource=types.BlobResourceContents(uri="file:///r/b.bin", blob="AAAAAA==", mime_type="application/zip")
            ),
            types.TextContent(text="last"),
        ]
    )
    assert result_text(result).splitlines() == [
        "first",
        "[image: image/png, 5 bytes]",
        "[audio: audio/wav, 3 bytes]",
        "[resource link: readme <file:///r/README.md>]",
        "[resource file:///r/a.txt]",
        "inside",
        "[resource file:///r/b.bin: application/zip, 4 bytes]",
        "last",
    ]


def test_structured_content_alone_is_sent_as_json():
    result = types.CallToolResult(content=[], structured_content={"n": 1, "é": "ü"})
    assert result_text(result) == '{"n": 1, "é": "ü"}'
    assert result_text(types.CallToolResult(content=[])) == ""


def test_block_text_of_an_unknown_kind_names_it():
    assert block_text(SimpleNamespace(type="hologram")) == "[hologram content]"


@pytest.mark.parametrize(
    "configured, run_timeout, expected",
    [(None, 60.0, 59.0), (5.0, 60.0, 5.0), (120.0, 60.0, 59.0), (None, 2.0, 1.8), (1.0, 2.0, 1.0)],
)
def test_a_call_waits_its_server_timeout_and_ends_before_the_run_tool_timeout(configured, run_timeout, expected):
    assert call_timeout(configured, run_timeout) == pytest.approx(expected)


def test_tools_whose_names_are_not_mcp_names_are_skipped_with_one_line():
    """A hostile or careless server: names with markup, spaces or control characters are never shown
    nor offered; the others are kept."""
    warnings: list[str] = []
    servers = McpServers({}, warnings.append, None)
    connection = _connection("odd")
    connection.tools = [
        _tool("fine.name/v2"),
        _tool("[red]evil[/red]"),
        _tool("has space"),
        _tool("bell\x07\x1b[2J"),
        _tool(""),
        _tool("x" * 129),
        _tool("trailing\n"),
    ]
    specs = servers._server_specs(connection)
    assert [spec.name for spec in specs] == ["odd.fine.name/v2"]
    assert [spec.wire_name for spec in specs] == ["odd__fine__name_v2"]
    [line] = warnings
    assert line.startswith("MCP server 'odd': 6 tools skipped, their names are not made of letters")
    assert "'[red]evil[/red]', 'has space', 'bell??[2J', …" in line
    assert "\x1b" not in line and "\x07" not in line


def test_two_tools_with_one_wire_name_keep_the_first():
    warnings: list[str] = []
    servers = McpServers({}, warnings.append, None)
    connection = _connection("s")
    connection.tools = [_tool("a.b"), _tool("a__b")]
    assert [spec.name for spec in servers._server_specs(connection)] == ["s.a.b"]
    assert warnings == ["MCP server 's': tool 'a__b' skipped, its name is sent to the model as 's__a__b' like 'a.b'"]
