"""A function's arguments as a pydantic model: its JSON schema for the model, and the check of
the arguments the model sends.

The schema is pydantic's own (``create_model`` from the type hints, defaults and the docstring's
parameter descriptions); nothing here writes schema by hand. Arguments go through the same
model, so what the schema promises is what a call gets. pydantic is imported here, and this
module only when a tool is declared: ``appam --help`` never loads it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appam_cli.tools.docstrings import parse_docstring
from appam_cli.tools.spec import ToolContext, ToolError

_PREVIEW = 80  # characters of a bad value quoted back to the model


@dataclass(frozen=True)
class Signature:
    """What a tool function takes: the model that checks its arguments, and which parameter (if
    any) is given the ToolContext instead of a model's argument."""

    model: type[Any]  # a pydantic BaseModel subclass
    names: dict[str, str]  # model field -> the function's parameter name
    context_param: str | None
    description: str
    schema: dict[str, Any]
    # Optional arguments whose type does not take None: a null for one means "not given" (some
    # models send null for every optional argument they leave out).
    null_means_default: frozenset[str] = frozenset()

    def validate(self, tool: str, arguments: Any) -> Any:
        """The arguments checked and converted (a model instance), else a ToolError naming each bad one."""
        from pydantic import ValidationError

        if not isinstance(arguments, dict):
            raise ToolError(f"invalid arguments for {tool}: expected a JSON object, got {type(arguments).__name__}")
        if self.null_means_default:
            arguments = {k: v for k, v in arguments.items() if v is not None or k not in self.null_means_default}
        try:
            return self.model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolError(f"invalid arguments for {tool}: {describe_errors(exc, self.schema)}") from None

    def call_kwargs(self, validated: Any, context: ToolContext) -> dict[str, Any]:
        kwargs = {param: getattr(validated, fld) for fld, param in self.names.items()}
        if self.context_param is not None:
            kwargs[self.context_param] = context
        return kwargs

    def checked(self, tool: str, arguments: Any) -> dict[str, Any]:
        """The arguments as JSON values, defaults filled in (``ToolSpec.validate``)."""
        validated = self.validate(tool, arguments)
        return dict(validated.model_dump(mode="json", by_alias=True))


def _preview(value: Any) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def describe_errors(exc: Any, schema: dict[str, Any]) -> str:
    """pydantic's errors as one line for the model: which argument, what is wrong, what it sent."""
    parts: list[str] = []
    expected = ", ".join(schema.get("properties", {})) or "none"
    for error in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in error.get("loc", ())) or "(arguments)"
        kind = error.get("type")
        if kind == "missing":
            parts.append(f"missing required argument {loc!r}")
        elif kind == "extra_forbidden":
            parts.append(f"unexpected argument {loc!r} (arguments: {expected})")
        else:
            parts.append(f"argument {loc!r}: {error.get('msg')} (got {_preview(error.get('input'))})")
    return "; ".join(parts)


def _is_context(annotation: Any) -> bool:
    """``ToolContext``, or ``ToolContext | None``."""
    import types

    if annotation is ToolContext:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args == [ToolContext]
    return False


def _parameter_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The parameters' type hints, evaluated (``from __future__ import annotations`` makes them
    text); the return annotation is not needed, and not evaluated."""
    import types

    annotations = {k: v for k, v in getattr(fn, "__annotations__", {}).items() if k != "return"}
    holder = types.SimpleNamespace(__annotations__=annotations, __globals__=getattr(fn, "__globals__", {}))
    return typing.get_type_hints(holder, include_extras=True)


def signature(fn: Callable[..., Any], *, tool: str) -> Signature:
    """Read ``fn``'s parameters, type hints and docstring. A parameter annotated ``ToolContext`` is
    given the call's context and is not part of the schema. ``*args``/``**kwargs`` are refused
    (ValueError): a tool's arguments are named."""
    from pydantic import ConfigDict, Field, create_model

    doc = parse_docstring(inspect.getdoc(fn))
    try:
        hints = _parameter_hints(fn)
    except Exception as exc:  # a hint naming something the module does not define
        raise ValueError(f"tool {tool!r}: cannot read the type hints of {fn.__qualname__}: {exc}") from None
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    null_default: set[str] = set()
    context_param: str | None = None
    for index, (pname, param) in enumerate(inspect.signature(fn).parameters.items()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ValueError(f"tool {tool!r}: *args and **kwargs cannot be described to a model; name each argument")
        if param.kind is param.POSITIONAL_ONLY:
            raise ValueError(f"tool {tool!r}: positional-only parameter {pname!r}; arguments are passed by name")
        annotation = hints.get(pname, Any)
        if _is_context(annotation):
            context_param = pname
            continue
        default = ... if param.default is param.empty else param.default
        # Fields are named apart from the parameters (a parameter called "json", "model_x" or "_x" would
        # clash with pydantic's own names); the schema and the errors use the parameter's name.
        internal = f"arg{index}"
        fields[internal] = (annotation, Field(default, alias=pname, description=doc.params.get(pname)))
        names[internal] = pname
        if default is not ... and not _takes_none(annotation):
            null_default.add(pname)
    model_name = "".join(part.title() for part in tool.replace(".", "_").split("_")) + "Arguments"
    try:
        model = create_model(
            model_name or "Arguments",
            __config__=ConfigDict(extra="forbid", populate_by_name=False, arbitrary_types_allowed=False),
            **fields,
        )
        schema = _tidy(model.model_json_schema(by_alias=True))
    except Exception as exc:  # a type pydantic cannot check or describe as JSON
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"tool {tool!r}: its arguments cannot be described as JSON: {first}") from None
    return Signature(model, names, context_param, doc.description, schema, frozenset(null_default))


def _takes_none(annotation: Any) -> bool:
    """Whether None is a valid value of the type (``X | None``, ``Optional[X]``, ``Any``, ``None``)."""
    import types

    if annotation is Any or annotation is None or annotation is type(None):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _takes_none(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_takes_none(arg) for arg in typing.get_args(annotation))
    return False


def _tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's titles (the model's class name, each property's name again) tell a model
    nothing and cost tokens: the top level and the properties lose them."""
    schema = dict(schema)
    schema.pop("title", None)
    properties = {}
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        properties[name] = prop
    schema["properties"] = properties
    schema["type"] = "object"
    return schema
