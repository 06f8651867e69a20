"""@tool: the JSON schema from type hints and docstrings (through pydantic), the arguments checked
by the same model, and what a call returns."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from appam_cli.tools.decorator import as_tool_spec, declared_spec, tool
from appam_cli.tools.docstrings import parse_docstring
from appam_cli.tools.spec import ToolContext, ToolError, ToolSpec


def ctx(tmp_path: Path, **kw) -> ToolContext:
    return ToolContext(cwd=tmp_path, **kw)


class Colour(Enum):
    RED = "red"
    GREEN = "green"


class Point(BaseModel):
    x: int
    y: int = 0


@tool(side_effects=False)
def paint(
    colour: Colour,
    count: int,
    ratio: float = 0.5,
    label: str | None = None,
    tags: list[str] | None = None,
    mode: Literal["fast", "slow"] = "fast",
    where: Point | None = None,
    weight: Annotated[int, Field(ge=1, le=10)] = 5,
) -> dict:
    """Paint things.

    A second paragraph that is part of the description.

    Args:
        colour: which colour to use.
        count: how many things; a description that goes on
            over a second line.
        ratio (float): the mix.
        label: an optional label.
        tags: words to attach.
        mode: how fast.
        where: a point.
        weight: from 1 to 10.

    Returns:
        what was painted.
    """
    return {"colour": colour.value, "count": count, "ratio": ratio, "label": label, "tags": tags, "mode": mode,
            "where": where.model_dump() if where else None, "weight": weight}


def test_schema_from_type_hints_defaults_and_docstring() -> None:
    spec = as_tool_spec(paint)
    assert spec.name == "paint" and spec.side_effects is False
    assert spec.description == "Paint things.\n\nA second paragraph that is part of the description."
    schema = spec.parameters
    assert schema["type"] == "object" and "title" not in schema
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["colour", "count"]
    props = schema["properties"]
    assert list(props) == ["colour", "count", "ratio", "label", "tags", "mode", "where", "weight"]
    assert props["count"] == {"type": "integer", "description": "how many things; a description that goes on over a second line."}
    assert props["ratio"] == {"type": "number", "default": 0.5, "description": "the mix."}
    assert props["label"]["anyOf"] == [{"type": "string"}, {"type": "null"}] and props["label"]["default"] is None
    assert props["tags"]["anyOf"][0] == {"type": "array", "items": {"type": "string"}}
    assert props["mode"]["enum"] == ["fast", "slow"] and props["mode"]["default"] == "fast"
    assert props["weight"]["minimum"] == 1 and props["weight"]["maximum"] == 10
    # The enum and the nested model are pydantic's own definitions, referenced.
    colour_ref = props["colour"]["$ref"].rsplit("/", 1)[1]
    assert schema["$defs"][colour_ref]["enum"] == ["red", "green"]
    assert props["colour"]["description"] == "which colour to use."
    assert any(d.get("properties", {}).get("x") == {"title": "X", "type": "integer"} for d in schema["$defs"].values())
    # The spec as providers are sent it.
    wire = spec.provider_tool()
    assert wire["function"]["name"] == "paint" and wire["function"]["parameters"] is schema


def test_arguments_are_converted_and_defaults_filled(tmp_path: Path) -> None:
    spec = as_tool_spec(paint)
    out = json.loads(spec.run({"colour": "green", "count": "3", "where": {"x": 2}}, ctx(tmp_path)))
    assert out == {"colour": "green", "count": 3, "ratio": 0.5, "label": None, "tags": None, "mode": "fast",
                   "where": {"x": 2, "y": 0}, "weight": 5}
    assert spec.validate is not None
    assert spec.validate({"colour": "red", "count": 1}) == {
        "colour": "red", "count": 1, "ratio": 0.5, "label": None, "tags": None, "mode": "fast", "where": None,
        "weight": 5,
    }


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        ({"colour": "red"}, ["missing required argument 'count'"]),
        ({"colour": "blue", "count": 1}, ["argument 'colour'", "'red' or 'green'", '(got "blue")']),
        ({"colour": "red", "count": "many"}, ["argument 'count'", "valid integer", '(got "many")']),
        ({"colour": "red", "count": 1, "weight": 11}, ["argument 'weight'", "less than or equal to 10"]),
        ({"colour": "red", "count": 1, "mode": "medium"}, ["argument 'mode'", "'fast' or 'slow'"]),
        ({"colour": "red", "count": 1, "where": {"y": 1}}, ["missing required argument 'where.x'"]),
        ({"colour": "red", "count": 1, "colour2": 1}, ["unexpected argument 'colour2'", "arguments: colour, count"]),
        ({"count": "x"}, ["missing required argument 'colour'", "argument 'count'"]),
        (["red", 1], ["expected a JSON object, got list"]),
    ],
)
def test_invalid_arguments_name_the_argument(tmp_path: Path, arguments, fragments: list[str]) -> None:
    spec = as_tool_spec(paint)
    for check in (lambda: spec.run(arguments, ctx(tmp_path)), lambda: spec.validate(arguments)):
        with pytest.raises(ToolError) as err:
            check()
        assert err.value.message.startswith("invalid arguments for paint: ")
        for fragment in fragments:
            assert fragment in err.value.message


def test_null_for_an_optional_argument_means_its_default(tmp_path: Path) -> None:
    spec = as_tool_spec(paint)
    out = json.loads(spec.run({"colour": "red", "count": 1, "ratio": None, "mode": None, "label": None}, ctx(tmp_path)))
    assert out["ratio"] == 0.5 and out["mode"] == "fast" and out["label"] is None
    with pytest.raises(ToolError, match="argument 'count'"):  # a required one stays required
        spec.run({"colour": "red", "count": None}, ctx(tmp_path))


def test_a_long_bad_value_is_quoted_short(tmp_path: Path) -> None:
    with pytest.raises(ToolError) as err:
        as_tool_spec(paint).run({"colour": "red", "count": "9" * 500 + "x"}, ctx(tmp_path))
    assert len(err.value.message) < 300 and "…" in err.value.message


def test_plain_function_counts_as_having_side_effects(tmp_path: Path) -> None:
    def shout(text: str, times: int = 1) -> str:
        """Shout a text.

        :param text: what to shout
        :param times: how often
        """
        return (text.upper() + "!") * times

    spec = as_tool_spec(shout)
    assert spec.side_effects is True and spec.name == "shout"
    assert spec.description == "Shout a text."
    assert spec.parameters["properties"]["text"] == {"type": "string", "description": "what to shout"}
    assert spec.run({"text": "hi", "times": 2}, ctx(tmp_path)) == "HI!HI!"
    assert declared_spec(shout) is None  # as_tool_spec leaves the function as it was


def test_tool_without_arguments_and_its_bare_decorator(tmp_path: Path) -> None:
    @tool
    def now() -> None:
        pass

    spec = as_tool_spec(now)
    assert spec.side_effects is True  # declared with @tool but without side_effects=False
    assert spec.parameters == {"additionalProperties": False, "properties": {}, "type": "object"}
    assert spec.description == ""
    assert spec.run({}, ctx(tmp_path)) == "(done; no output)"
    assert now() is None  # still the plain function


def test_name_description_and_context_parameter(tmp_path: Path) -> None:
    seen: list[ToolContext] = []

    @tool(name="where-am-i", description="Say the working folder.", side_effects=False)
    def where(context: ToolContext | None, suffix: str = "") -> str:
        assert context is not None
        seen.append(context)
        return str(context.cwd) + suffix

    spec = as_tool_spec(where)
    assert spec.name == "where-am-i" and spec.description == "Say the working folder."
    assert list(spec.parameters["properties"]) == ["suffix"]  # the context is not asked of the model
    c = ctx(tmp_path)
    assert spec.run({"suffix": "/x"}, c) == f"{tmp_path}/x"
    assert seen == [c]
    with pytest.raises(ToolError, match="unexpected argument 'context'"):
        spec.run({"context": "x"}, c)


def test_parameter_names_that_clash_with_pydantic(tmp_path: Path) -> None:
    @tool(side_effects=False)
    def odd(json: str, model_name: str, schema: int = 1) -> str:
        return f"{json}|{model_name}|{schema}"

    spec = as_tool_spec(odd)
    assert list(spec.parameters["properties"]) == ["json", "model_name", "schema"]
    assert spec.run({"json": "a", "model_name": "b"}, ctx(tmp_path)) == "a|b|1"
    with pytest.raises(ToolError, match="missing required argument 'json'"):
        spec.run({"model_name": "b"}, ctx(tmp_path))


def test_return_values_become_text_and_are_cut(tmp_path: Path) -> None:
    @dataclass
    class Hit:
        path: Path
        line: int

    @tool(side_effects=False)
    def hits() -> list[Hit]:
        return [Hit(Path("a.py"), 3)]

    @tool(side_effects=False)
    def big(n: int) -> str:
        return "x" * n

    assert json.loads(as_tool_spec(hits).run({}, ctx(tmp_path))) == [{"path": "a.py", "line": 3}]
    small = ctx(tmp_path, output_limit=1000)
    assert as_tool_spec(big).run({"n": 1000}, small) == "x" * 1000
    out = as_tool_spec(big).run({"n": 5000}, small)
    assert len(out) <= 1000
    assert out.startswith("x" * 800) and "[output cut: showed" in out and "of 5000 characters (limit 1000)" in out


def test_async_tool(tmp_path: Path) -> None:
    @tool(side_effects=False)
    async def later(text: str) -> str:
        await asyncio.sleep(0)
        return text[::-1]

    assert as_tool_spec(later).run({"text": "abc"}, ctx(tmp_path)) == "cba"


def test_tool_errors_and_other_exceptions_propagate(tmp_path: Path) -> None:
    @tool
    def fails(kind: str) -> str:
        if kind == "tool":
            raise ToolError("no such thing")
        raise RuntimeError("boom")

    spec = as_tool_spec(fails)
    with pytest.raises(ToolError, match="no such thing"):
        spec.run({"kind": "tool"}, ctx(tmp_path))
    with pytest.raises(RuntimeError, match="boom"):  # the loop names it by its type
        spec.run({"kind": "other"}, ctx(tmp_path))


def test_signatures_a_model_cannot_call_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\*args and \*\*kwargs"):
        tool(name="star")(lambda *args: None)
    with pytest.raises(ValueError, match="positional-only"):

        @tool
        def pos(a: int, /) -> None: ...

    class Opaque:
        pass

    def takes_opaque(thing: Opaque) -> None: ...

    takes_opaque.__annotations__["thing"] = Opaque  # a type pydantic cannot describe
    with pytest.raises(ValueError, match="tool 'takes_opaque': its arguments cannot be described as JSON"):
        tool(takes_opaque)
    with pytest.raises(ValueError, match="tool name 'has space'"):
        tool(name="has space")(lambda: None)


def test_as_tool_spec_accepts_a_spec_and_refuses_other_things() -> None:
    spec = ToolSpec("x", "d", {"type": "object", "properties": {}}, False, "test", run=lambda a, c: "")
    assert as_tool_spec(spec) is spec
    with pytest.raises(TypeError, match="not a tool"):
        as_tool_spec(42)


def test_exported_lazily_from_appam_cli() -> None:
    import appam_cli

    assert appam_cli.tool is tool and appam_cli.as_tool_spec is as_tool_spec
    assert appam_cli.ToolContext is ToolContext and appam_cli.ToolError is ToolError
    assert {"tool", "as_tool_spec"} <= set(appam_cli.__all__)


@pytest.mark.parametrize(
    "doc, description, params",
    [
        (
            """Sum numbers.

            Parameters
            ----------
            values : list of int
                the numbers
                to add
            start : int, optional
                where to start

            Returns
            -------
            int
                the sum
            """,
            "Sum numbers.",
            {"values": "the numbers to add", "start": "where to start"},
        ),
        (
            """Fetch a page.

            Args:
                url (str): the address.
                *headers: extra headers.

            Raises:
                ValueError: never documented as a parameter.
            """,
            "Fetch a page.",
            {"url": "the address.", "headers": "extra headers."},
        ),
        (
            """Move a file.

            :param str src: where from
            :param dst: where to,
                over two lines
            :returns: nothing
            """,
            "Move a file.",
            {"src": "where from", "dst": "where to, over two lines"},
        ),
        (None, "", {}),
        ("Only a line.", "Only a line.", {}),
    ],
    ids=["numpy", "google", "rest", "none", "one-line"],
)
def test_docstring_styles(doc, description: str, params: dict) -> None:
    parsed = parse_docstring(doc)
    assert parsed.description == description
    assert parsed.params == params
