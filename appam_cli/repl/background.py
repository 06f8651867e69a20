"""What the chat starts once its prompt is on screen, so typing never waits for it.

* The provider worker (``providers/remote.py``): a process that imports litellm
  (3-4 s) while the user types and then serves the requests; the same worker
  ``run`` and ``continue`` use, so it is usually loaded already. Importing litellm in a
  thread of this process instead holds the GIL in bursts of 100 ms and more,
  and typing stutters (bench/bench_chat.py measures both).
  ``worker = false`` / ``APPAM_PROVIDER_WORKER=0`` falls back to that thread.
* litellm's price map, read as data (~25 ms): the toolbar's context window; then the
  modules of the answer view (Rich, ~0.1 s), so the first answer starts at once.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from appam_cli.repl.state import ChatState

if TYPE_CHECKING:
    from appam_cli.providers.remote import ProviderWorker

SETTLE = 0.3  # seconds after the first draw before this process does its own loading


class Background:
    def __init__(self, state: ChatState) -> None:
        self.state = state
        self.worker: ProviderWorker | None = None

    def install(self) -> None:
        """Serve this chat's provider requests from the worker (started on first draw)."""
        settings = self.state.settings
        if not settings.worker:
            return
        from appam_cli.providers.remote import ProviderWorker
        from appam_cli.repl import output

        self.worker = ProviderWorker(debug=self.state.options.debug, idle=settings.worker_idle, notice=output.notice)
        self.state.worker = self.worker

    def start(self, app=None) -> None:
        if self.worker is not None:
            self.worker.start(warm_model=self.state.model)
        else:
            from appam_cli.providers.loader import preload_in_background

            preload_in_background()
        threading.Thread(target=self._load_prices, args=(app,), name="appam-prices", daemon=True).start()

    def _load_prices(self, app) -> None:
        time.sleep(SETTLE)  # let the first redraws (toolbar, typeahead) go first
        try:
            self.state.load_context_window()
        except Exception:
            return
        if app is not None:
            try:
                app.invalidate()  # redraw the toolbar with the context window
            except Exception:
                pass
        self._load_renderer()

    @staticmethod
    def _load_renderer() -> None:
        """The answer view's modules (~0.1 s of imports), so the first answer starts at once."""
        try:
            import rich.markdown  # noqa: F401

            import appam_cli.render.live  # noqa: F401
        except Exception:
            pass

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = self.state.worker = None
