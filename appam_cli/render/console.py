"""The Console for tables on stdout: the terminal's width, or whole lines for a pipe or file.

Rich assumes 80 columns when stdout is not a terminal and squeezes tables into them
(ids cut to ``2a31…``, cost columns dropped); a script reading our output wants
whole cells instead (unless COLUMNS says otherwise).
"""

from __future__ import annotations

import os
import sys

PIPE_WIDTH = 160


def table_console(**kwargs):
    from rich.console import Console

    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    wide = not tty and not os.environ.get("COLUMNS")  # an explicit COLUMNS still rules
    return Console(width=PIPE_WIDTH if wide else None, **kwargs)
