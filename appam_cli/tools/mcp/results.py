"""What crosses between the model and an MCP tool: arguments checked against the tool's
``inputSchema`` before the call, and the result's content blocks turned into the text the model reads."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from appam_cli.tools.spec import ToolError


def parameters(schema: Any) -> dict[str, Any]:
    """The tool's input schema as providers take it: an object schema, with ``properties``."""
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return {"type": "object", "properties": {}}
    result = dict(schema)
    result["type"] = "object"
    if not isinstance(result.get("properties"), dict):
        result["properties"] = {}
    return result


def validator(schema: Any) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """A check of the arguments against ``schema`` (JSON Schema, as the server declared it) that
    raises ToolError naming the first problem (``a: '1' is not of type 'integer'``); None when the
    schema itself is not valid (the server then judges the arguments)."""
    import jsonschema
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        return None
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError:
        return None
    checker = cls(schema)

    def check(arguments: dict[str, Any]) -> dict[str, Any]:
        error = jsonschema.exceptions.best_match(checker.iter_errors(arguments))
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path)
            raise ToolError(f"{where}: {error.message}" if where else error.message)
        return arguments

    return check


def _size(data: str) -> str:
    try:
        count = len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        count = len(data)
    return f"{count} bytes"


def block_text(block: Any) -> str:
    """One content block as text: text as it is, anything else described in brackets."""
    kind = getattr(block, "type", None)
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        return f"[{kind}: {block.mime_type}, {_size(block.data)}]"
    if kind == "resource_link":
        return f"[resource link: {block.name} <{block.uri}>]"
    if kind == "resource":
        resource = block.resource
        text = getattr(resource, "text", None)
        if isinstance(text, str):
            return f"[resource {resource.uri}]\n{text}"
        mime = getattr(resource, "mime_type", None) or "binary"
        return f"[resource {resource.uri}: {mime}, {_size(getattr(resource, 'blob', ''))}]"
    return f"[{kind or type(block).__name__} content]"


def result_text(result: Any) -> str:
    """The text sent to the model for a CallToolResult: its blocks joined by newlines (the
    structured content as JSON when there are none)."""
    texts = [block_text(block) for block in result.content or []]
    if not texts and result.structured_content is not None:
        return json.dumps(result.structured_content, ensure_ascii=False)
    return "\n".join(texts)
