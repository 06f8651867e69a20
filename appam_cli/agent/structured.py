"""Structured output (``--schema``): the schema asked for, how it is sent, and the answer checked against it.

A schema is given as JSON Schema (inline, or a file) or in a concise form:
``"name, age int, bio: a short biography"`` - fields separated by commas (or by new lines, when a
description needs a comma), each ``NAME [TYPE][: DESCRIPTION]`` with TYPE one of str (the default),
int, float, bool. It is sent as OpenAI's ``response_format`` ``{"type": "json_schema", "json_schema":
{"name", "schema", "strict"}}``, which litellm translates for each provider (Anthropic: its
``output_format`` or a forced tool; Gemini: a response schema; Ollama: ``format``). The answer is
checked with ``jsonschema``; one that does not validate raises ``AnswerInvalid`` (exit 6). With
``multi`` the schema describes one item and the answer is ``{"items": [...]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appam_cli.errors import EXIT_USAGE, AnswerInvalid, UserError

TYPES = {
    "str": "string",
    "string": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
}
_FIELD = re.compile(r"^(?P<name>[A-Za-z_][\w-]*)(?:\s+(?P<type>\w+))?\s*(?::\s*(?P<description>.*))?$", re.S)
_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_FENCED = re.compile(r"^```[\w-]*[ \t]*\n(?P<body>.*?)\n?```$", re.S)


@dataclass(frozen=True)
class AnswerSchema:
    """What ``--schema`` (``multi``: ``--schema-multi``) asks for."""

    schema: dict[str, Any]
    multi: bool = False
    option: str = "--schema"

    @property
    def sent(self) -> dict[str, Any]:
        """The schema of the whole answer: ``{"items": [item, ...]}`` for several items."""
        if not self.multi:
            return self.schema
        return {
            "type": "object",
            "properties": {"items": {"type": "array", "items": self.schema}},
            "required": ["items"],
            "additionalProperties": False,
        }

    def response_format(self) -> dict[str, Any]:
        """OpenAI's ``response_format`` for this schema (what litellm takes for every provider)."""
        sent = self.sent
        title = sent.get("title") if isinstance(sent.get("title"), str) else None
        name = _NAME.sub("_", title or ("items" if self.multi else "answer")).strip("_")[:64] or "answer"
        return {"type": "json_schema", "json_schema": {"name": name, "schema": sent, "strict": is_strict(sent)}}

    def check(self, text: str) -> Any:
        """The answer's value (the list of items for ``multi``); AnswerInvalid when it does not validate."""
        value = parse_answer(text)
        from jsonschema import validators
        from jsonschema.exceptions import best_match

        validator = validators.validator_for(self.sent)(self.sent)
        error = best_match(validator.iter_errors(value))
        if error is not None:
            where = error.json_path if error.json_path != "$" else "the top level"
            raise AnswerInvalid(f"the answer does not match the schema at {where}: {_one_line(error.message)}")
        return value["items"] if self.multi else value


def load_schema(text: str, *, multi: bool = False, option: str = "--schema") -> AnswerSchema:
    """``--schema VALUE``: JSON Schema inline or in a file, or the concise form; UserError (exit 2) when
    it is none of them, a file that cannot be read is exit 1."""
    source = text
    if not text.lstrip().startswith("{") and "\n" not in text and Path(text).expanduser().is_file():
        try:
            source = Path(text).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read the {option} file {text}: {exc}") from None
    if source.lstrip().startswith("{"):
        try:
            schema = json.loads(source)
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid {option}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                            exit_code=EXIT_USAGE) from None
    else:
        schema = concise_schema(source, option)
    _check_schema(schema, option)
    return AnswerSchema(schema, multi=multi, option=option)


def concise_schema(text: str, option: str = "--schema") -> dict[str, Any]:
    """``"name, age int, bio: a short biography"`` as a JSON Schema object (every field required)."""
    parts = text.splitlines() if "\n" in text.strip() else text.split(",")
    properties: dict[str, Any] = {}
    for part in (p.strip() for p in parts):
        if not part:
            continue
        found = _FIELD.match(part)
        if found is None:
            raise UserError(f"invalid {option} field {part!r}: write NAME [TYPE][: DESCRIPTION]", exit_code=EXIT_USAGE)
        kind = (found["type"] or "str").lower()
        if kind not in TYPES:
            raise UserError(
                f"invalid {option} field {part!r}: unknown type {found['type']!r} (use str, int, float or bool)",
                exit_code=EXIT_USAGE,
            )
        field: dict[str, Any] = {"type": TYPES[kind]}
        if found["description"]:
            field["description"] = found["description"].strip()
        properties[found["name"]] = field
    if not properties:
        raise UserError(f"invalid {option}: no fields (e.g. \"name, age int, bio: a short biography\")",
                        exit_code=EXIT_USAGE)
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def is_strict(schema: Any) -> bool:
    """The schema meets OpenAI's strict mode: every object closes its properties and requires them all."""
    if isinstance(schema, list):
        return all(is_strict(item) for item in schema)
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False or set(schema.get("required") or []) != set(properties):
            return False
    return all(is_strict(value) for key, value in schema.items() if key not in ("required", "enum", "const"))


def parse_answer(text: str) -> Any:
    """The JSON an answer holds (inside one ```json fence, when a model put it there)."""
    body = text.strip()
    fenced = _FENCED.match(body)
    if fenced:
        body = fenced["body"]
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise AnswerInvalid(f"the answer is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _check_schema(schema: Any, option: str) -> None:
    if not isinstance(schema, dict):
        raise UserError(f"invalid {option}: a JSON Schema is an object", exit_code=EXIT_USAGE)
    from jsonschema import validators
    from jsonschema.exceptions import SchemaError

    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        raise UserError(f"invalid {option}: {_one_line(exc.message)}", exit_code=EXIT_USAGE) from None


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 200 else line[:199] + "…"
