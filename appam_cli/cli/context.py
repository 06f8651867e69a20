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


def open_history(settings: Settings, *, enabled: bool = True, writing: bool = False) -> SessionHistory:
    """The configured store. ``writing``: the command writes to it, so it is opened for writing now
    (a store that cannot be written is one line and exit 1 before anything is sent or changed) and
    what dead writers left running is settled, once (store.running). Without it a read-only store
    still reads (opened read-only, never migrated) and nothing is written."""
    from appam_cli.store import SessionHistory

    history = SessionHistory.from_settings(settings, enabled=enabled)
    if writing:
        history.ensure_writable()
        history.settle_dead_writers()
    return history
