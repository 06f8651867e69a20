"""Toolbox: the tools one run has enabled, found by the name the provider sends back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from appam_cli.tools.spec import ToolSpec


class Toolbox:
    def __init__(self, specs: Iterable[ToolSpec] = ()) -> None:
        self._by_wire: dict[str, ToolSpec] = {}
        for spec in specs:
            self.add(spec)
        self._closers: list[Any] = []

    def add(self, spec: ToolSpec) -> None:
        other = self._by_wire.get(spec.wire_name)
        if other is not None and other.name != spec.name:
            raise ValueError(f"tools {other.name!r} and {spec.name!r} have the same name on the wire")
        self._by_wire[spec.wire_name] = spec

    @property
    def specs(self) -> list[ToolSpec]:
        return list(self._by_wire.values())

    def __bool__(self) -> bool:
        return bool(self._by_wire)

    def find(self, wire: str) -> ToolSpec | None:
        return self._by_wire.get(wire)

    def provider_tools(self) -> list[dict[str, Any]]:
        """The tools to offer the model now: not those that became unavailable (a dead MCP server's)."""
        return [
            spec.provider_tool()
            for spec in self._by_wire.values()
            if spec.available is None or spec.available()
        ]

    def on_close(self, close: Any) -> None:
        """Call ``close()`` when the run ends (an MCP server's shutdown)."""
        self._closers.append(close)

    def close(self) -> None:
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            close()
