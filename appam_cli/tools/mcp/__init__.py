"""MCP servers: their tools, reached through the official ``mcp`` SDK.

``config`` reads ``[mcp.servers.NAME]`` into plain dataclasses (cheap: every command reads the
config). ``hub`` owns the SDK's sessions on an asyncio loop in a background thread and offers
synchronous calls with timeouts; ``specs`` turns a server's tools into ToolSpecs; ``servers``
starts the servers a run uses and gives back their tools. Only a run (or ``appam tools list``)
that uses MCP imports anything below ``config``: the SDK costs most of a second to import.
"""
