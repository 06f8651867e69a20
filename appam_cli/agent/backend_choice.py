"""Where ``run``, ``continue`` and the chat have their requests served: the shared provider
worker (on by default) or this process (``worker = false``, ``APPAM_PROVIDER_WORKER=0``).

Either way the slow part starts at once, in the background: connecting to the worker
(starting it, the first time) or importing litellm here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appam_cli.config import Settings
    from appam_cli.providers import ProviderBackend


def warm_model(settings: Settings, model: str | None = None) -> str | None:
    """The model the first request will most likely use, as litellm is given it (an alias or a
    provider profile's model resolved); nothing is checked or raised here."""
    if model or settings.model:
        from appam_cli.agent.model_route import route_model

        name = model or settings.model or ""
        try:
            route = route_model(settings, name, check=False)
        except Exception:
            return name
        return route.provider_model or route.model
    from appam_cli.providers.keys import default_model

    return default_model()


def start_backend(
    settings: Settings,
    *,
    model: str | None = None,
    debug: bool = False,
    notice: Callable[[str], None] | None = None,
) -> ProviderBackend | None:
    """The worker, already connecting; None (this process, litellm loading now) when it is off.

    ``notice`` hears why a request was answered in this process after all; only with ``debug``."""
    if not settings.worker:
        from appam_cli.providers.loader import preload_in_background

        preload_in_background()
        return None
    from appam_cli.providers.remote import ProviderWorker

    worker = ProviderWorker(debug=debug, idle=settings.worker_idle, notice=notice)
    worker.start(warm_model(settings, model))
    return worker
