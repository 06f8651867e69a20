"""The tool loop's defaults, apart from the tool contract (tools/spec.py) so that a command that
uses no tools can name them without importing it."""

DEFAULT_OUTPUT_LIMIT = 20_000  # characters of a result sent to the model; the rest is cut, and it is told so
DEFAULT_TOOL_TIMEOUT = 60.0  # seconds a call may take (--tool-timeout)
DEFAULT_MAX_STEPS = 10  # provider requests for one answer while the model calls tools (--max-steps)
