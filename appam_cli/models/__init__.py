"""The old import path of the data model, kept so that code written against it still works.

The data model lives in ``appam_cli.datamodel`` (the name ``models`` was easy to take for the
LLM models of ``appam models``). ``appam_cli.models`` and its submodules
(``appam_cli.models.price`` and the rest) are the same modules under their old names.
"""

from __future__ import annotations

import sys
from importlib import import_module

from appam_cli.datamodel import *  # noqa: F403
from appam_cli.datamodel import __all__  # noqa: F401

for _name in ("message", "options", "price", "request", "session", "status", "times", "usage"):
    sys.modules[f"{__name__}.{_name}"] = import_module(f"appam_cli.datamodel.{_name}")
