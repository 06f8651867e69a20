"""What run and continue print instead of the answer: ``--schema`` / ``--schema-multi`` (JSON), ``-x``
(code blocks), ``--json`` (the Session); one of them at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from appam_cli.errors import EXIT_USAGE, UserError

if TYPE_CHECKING:
    from appam_cli.agent.structured import AnswerSchema


def answer_schema(
    schema: str | None, schema_multi: str | None, *, json_output: bool, extract: bool
) -> AnswerSchema | None:
    """The schema the answer must match (None: a free answer); UserError (exit 2) for a bad combination."""
    if json_output and extract:
        raise UserError("-x/--extract prints code blocks, --json the session: use one of them", exit_code=EXIT_USAGE)
    if schema is None and schema_multi is None:
        return None
    if schema is not None and schema_multi is not None:
        raise UserError("use either --schema or --schema-multi, not both", exit_code=EXIT_USAGE)
    option = "--schema" if schema is not None else "--schema-multi"
    for given, name in ((json_output, "--json"), (extract, "-x/--extract")):
        if given:
            raise UserError(f"{option} prints the answer as JSON: leave out {name}", exit_code=EXIT_USAGE)
    from appam_cli.agent.structured import load_schema

    value = schema if schema is not None else schema_multi
    assert value is not None
    return load_schema(value, multi=schema_multi is not None, option=option)
