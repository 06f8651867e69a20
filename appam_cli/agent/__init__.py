"""The thin core: Agent, StreamBuilder and the one turn loop. Never imports rich or typer."""

from appam_cli.agent.agent import Agent
from appam_cli.agent.stream_builder import StreamBuilder

__all__ = ["Agent", "StreamBuilder"]
