"""What every command needs: settings with flags applied, and the configured store."""

from __future__ import annotations

from appam_cli.config import Settings, load_settings
from appam_cli.errors import ProviderError


def settings_with(**flags) -> Settings:
    """Config file and environment, then command-line flags over them (None means not given)."""
    settings = load_settings()
    for key, value in flags.items():
        if value is not None:
            setattr(settings, key, value)
    return settings


def open_history(settings: Settings, *, enabled: bool = True):
    from appam_cli.store import SessionHistory

    return SessionHistory.from_settings(settings, enabled=enabled)


def resolve_model(settings: Settings) -> str:
    """Flag > APPAM_MODEL > config (already merged in settings) > the first provider with a key."""
    if settings.model:
        return settings.model
    from appam_cli.providers.keys import default_model, no_model_message

    model = default_model()
    if model is None:
        raise ProviderError(no_model_message(), kind="auth")
    return model
