"""Options shared by the commands that talk to a model (run, continue, chat)."""

from __future__ import annotations

import typer

from appam_cli.cli import complete

MODEL = typer.Option(
    None, "--model", "-m", help="Any litellm model name, e.g. gpt-4o-mini.", autocompletion=complete.models
)
SYSTEM = typer.Option(None, "--system", "-s", help="System prompt.")
API_BASE = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server.")
TEMPERATURE = typer.Option(None, "--temperature", min=0.0, max=2.0, help="Sampling temperature.")
MAX_TOKENS = typer.Option(None, "--max-tokens", min=1, help="Cap on each answer's tokens.")
TIMEOUT = typer.Option(None, "--timeout", min=0.1, help="Seconds per request [default: 600].")
RETRIES = typer.Option(
    None, "--retries", min=0, help="Retries on 429/5xx/network errors before an answer starts [default: 3]."
)
NO_STREAM = typer.Option(False, "--no-stream", help="Wait for the whole answer, then print it.")
RAW = typer.Option(False, "--raw", help="Plain text as it arrives, no Markdown rendering.")
JSON = typer.Option(False, "--json", help="Print only the saved Session as JSON.")
USAGE = typer.Option(False, "--usage", help="After the answer, print the detailed token and cost breakdown.")
FORCE = typer.Option(False, "--force", help="Go ahead even when a [budget] in config.toml is used up.")
AGENT = typer.Option(
    None, "--agent", "-a", metavar="NAME",
    help="Use the named agent in agents/NAME.toml (`appam agents list`) [default: none; continuing: the session's].",
)
REASONING_EFFORT = typer.Option(
    None, "--reasoning-effort", metavar="LEVEL",
    help="How hard a reasoning model thinks: none, minimal, low, medium, high, xhigh or max.",
)
DEBUG = typer.Option(False, "--debug", help="Show tracebacks for errors.")
SCHEMA = typer.Option(
    None,
    "--schema",
    metavar="SCHEMA",
    help='Answer as JSON matching SCHEMA: JSON Schema (inline or a file) or "name, age int, bio: a short bio"; '
    "printed as JSON, exit 6 when the answer does not match.",
)
SCHEMA_MULTI = typer.Option(
    None, "--schema-multi", metavar="SCHEMA", help="As --schema, for a list of items each matching SCHEMA."
)
EXTRACT = typer.Option(
    False, "--extract", "-x", help="Print only the fenced code block(s) of the answer (a blank line between two)."
)

# The tool loop (run, continue, chat): which tools the model may call, and how the loop runs them.
TOOL = typer.Option(
    None, "--tool", "-T", metavar="NAME",
    help="Let the model call this tool (repeatable): a built-in, a --tools-file tool or an MCP server "
    "(`appam tools list`).",
)
TOOLS_FILE = typer.Option(
    None, "--tools-file", metavar="PATH", help="A Python file whose @tool functions the model may call (repeatable)."
)
ALLOW_PATH = typer.Option(
    None, "--allow-path", metavar="DIR", help="A folder file tools may use besides the current one (repeatable)."
)
YES = typer.Option(False, "--yes", "-y", help="Approve every tool call, side effects included, without asking.")
MAX_STEPS = typer.Option(
    None, "--max-steps", min=1, metavar="N",
    help="At most N requests per answer while the model calls tools (past it: exit 4) [default: the agent's, else 10].",
)
TOOL_TIMEOUT = typer.Option(
    60, "--tool-timeout", min=0.1, metavar="SECONDS",
    help="Stop waiting for a tool call after SECONDS (the model is told).",
)
VERBOSE = typer.Option(False, "--verbose", help="Show every tool argument and whole tool results.")


def tool_options(
    names: list[str] | None,
    files: list[str] | None,
    allow_paths: list[str] | None,
    yes: bool,
    max_steps: int | None,
    tool_timeout: float,
    verbose: bool,
    agent=None,
):
    """The tool flags as the core takes them (agent.session_turn.ToolOptions), over the agent file's."""
    from appam_cli.agent.session_turn import ToolOptions

    tools = ToolOptions(
        names=tuple(names or ()),
        files=tuple(files or ()),
        allow_paths=tuple(allow_paths or ()),
        approve_all=yes,
        max_steps=max_steps,
        timeout=tool_timeout,
        verbose=verbose,
    )
    return tools.with_agent(agent) if agent is not None else tools
