"""Tools the model may call: their declarations, the built-ins, the approval policy, MCP servers.

``spec`` holds the contract every tool meets (a ToolSpec: name, description, JSON schema of
its arguments, whether it has side effects, and how to run it) and what a call comes back as
(a ToolOutcome). ``toolbox`` is the set of tools one run has enabled. The agent's loop runs
calls through a Toolbox under an Approver; nothing here imports the agent, the providers, rich,
typer or prompt_toolkit.

- ``decorator``: ``@tool`` and ``as_tool_spec``; ``schema`` builds the pydantic model of a
  function's arguments (``docstrings`` reads the parameter descriptions); ``output`` cuts results.
- ``builtin/``: one module per built-in; ``paths`` keeps file tools inside the allowed folders.
- ``registry``: ``-T`` names and ``--tools-file`` to a Toolbox (``mcp_tools`` is where MCP names
  resolve); ``approval``: the policy (``ApprovalPolicy``), asking through a callable it is given.
"""
