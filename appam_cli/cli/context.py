"""What every command needs: settings with flags applied, and the configured store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appam_cli.config import Settings, api_base_url, load_settings

if TYPE_CHECKING:
    from appam_cli.store import SessionHistory


def settings_with(**flags: Any) -> Settings:
    """Config file and environment, then the command's request-option flags over them (None: not given)."""
    return load_settings().with_flags(**flags)


def request_settings(
    api_base: str | None,
    temperature: float | None,
    max_tokens: int | None,
    timeout: float | None,
    retries: int | None,
    no_stream: bool = False,
) -> Settings:
    """The settings of a command that asks a model (run, continue, chat), with its flags merged."""
    return settings_with(
        api_base=api_base_url(api_base, "--api-base"),
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        retries=retries,
        stream=False if no_stream else None,
    )


def open_history(settings: Settings, *, enabled: bool = True) -> SessionHistory:
    from appam_cli.store import SessionHistory

    return SessionHistory.from_settings(settings, enabled=enabled)
