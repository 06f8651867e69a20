"""Importing litellm: offline, quiet, and only when a request is made."""

from __future__ import annotations

import os
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


def load_litellm() -> ModuleType:
    """Import and configure litellm once (thread-safe, so it can be preloaded in the background)."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            # Prices come from the bundled map: never fetch them from the network.
            os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
            os.environ.setdefault("LITELLM_LOG", "ERROR")
            import litellm

            litellm.suppress_debug_info = True  # nothing printed into our output
            # No per-chunk success-logging task per streamed chunk (~0.4 ms instead of ~1 ms a chunk).
            # The only documented setting for the stream wrapper's per-chunk work: its two
            # print_verbose f-strings (~19 us a chunk) are formatted whatever set_verbose/LITELLM_LOG.
            litellm.disable_streaming_logging = True
            litellm.telemetry = False
            litellm.drop_params = True  # options a model does not take are dropped, not fatal
            _module = litellm
    return _module


def preload_in_background() -> threading.Thread:
    thread = threading.Thread(target=load_litellm, name="litellm-preload", daemon=True)
    thread.start()
    return thread
