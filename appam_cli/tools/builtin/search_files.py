"""``search_files``: lines matching a text or a regular expression in the files below a folder.

Patterns run on the ``regex`` module (the syntax of Python's ``re``) for its time limit: a
pattern that backtracks catastrophically (``(a|aa)+$``) would hold ``re`` -- and, as ``re``
never releases the GIL, the whole process -- for hours. Past the limit the search stops with
what it found and says why.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from pathlib import Path

from appam_cli.tools.decorator import tool
from appam_cli.tools.output import BINARY_PROBE, decode, looks_binary
from appam_cli.tools.paths import is_within, resolve, roots, shown
from appam_cli.tools.spec import ToolContext, ToolError

SKIPPED_DIRS = frozenset({".git"})
MAX_FILE_BYTES = 5_000_000  # larger files are skipped (and counted)
LINE_PREVIEW = 300  # characters of a matching line shown
MAX_RESULTS = 1000
PATTERN_TIME = 10.0  # seconds of matching at most (and half the tool timeout), over all files


def _files(top: Path, glob: str | None) -> list[Path]:
    """The files below ``top`` in a stable order; ``glob`` matches the name (``*.py``) or, when it
    holds a ``/``, the path below ``top`` (``src/*.py``)."""
    if top.is_file():
        return [top]
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            target = str(path.relative_to(top)) if glob and "/" in glob else name
            if glob is None or fnmatch.fnmatch(target, glob):
                found.append(path)
    return found


@tool(side_effects=False)
def search_files(
    context: ToolContext,
    pattern: str,
    path: str = ".",
    regex: bool = False,
    ignore_case: bool = False,
    glob: str | None = None,
    max_results: int = 100,
) -> str:
    """Search the text files below a folder for lines that contain a text (or match a regular
    expression). Each hit is "file:line: text". Binary files, files over 5 MB and .git folders
    are skipped.

    Args:
        pattern: the text to find (a Python regular expression with regex=true).
        path: the folder (or one file) to search, relative to the working folder.
        regex: read pattern as a regular expression.
        ignore_case: match upper and lower case alike.
        glob: only files whose name matches this pattern, e.g. "*.py" (with a "/": the path below
            path, e.g. "src/*.py").
        max_results: stop after this many hits (at most 1000).
    """
    if not pattern:
        raise ToolError("pattern is empty")
    if not 1 <= max_results <= MAX_RESULTS:
        raise ToolError(f"max_results must be between 1 and {MAX_RESULTS}")
    import regex as regex_module

    flags = regex_module.IGNORECASE if ignore_case else 0
    try:
        compiled = regex_module.compile(pattern if regex else regex_module.escape(pattern), flags)
    except regex_module.error as exc:
        raise ToolError(f"invalid regular expression {pattern!r}: {exc}") from None
    deadline = time.monotonic() + min(PATTERN_TIME, context.timeout / 2)
    too_slow = False
    top = resolve(context, path)
    if not top.exists():
        raise ToolError(f"{shown(top, context)}: no such file or folder")
    folders = roots(context)
    hits: list[str] = []
    skipped_binary = skipped_large = skipped_outside = replaced = 0
    more = False
    size = 0
    for file in _files(top, glob):
        real = Path(os.path.realpath(file))
        if not any(is_within(real, f) for f in folders):  # a symlink pointing out
            skipped_outside += 1
            continue
        try:
            info = real.stat()
            if not stat.S_ISREG(info.st_mode):  # a pipe or device: reading it could wait forever
                continue
            if info.st_size > MAX_FILE_BYTES:
                skipped_large += 1
                continue
            data = real.read_bytes()
        except OSError:
            continue
        if looks_binary(data[:BINARY_PROBE]):
            skipped_binary += 1
            continue
        text, bad = decode(data)
        replaced += bad
        name = shown(file, context)
        for number, line in enumerate(text.splitlines(), 1):
            try:
                found = compiled.search(line, timeout=max(deadline - time.monotonic(), 0.001))
            except TimeoutError:
                too_slow = more = True
                break
            if not found:
                continue
            if len(hits) >= max_results:
                more = True
                break
            line = line.strip()
            if len(line) > LINE_PREVIEW:
                line = line[:LINE_PREVIEW] + "…"
            hit = f"{name}:{number}: {line}"
            if size + len(hit) + 1 > context.output_limit - min(300, context.output_limit // 3):
                more = True
                break
            hits.append(hit)
            size += len(hit) + 1
        if more:
            break
    notes = []
    if too_slow:
        notes.append(
            f"[stopped: the pattern took too long to match (over {min(PATTERN_TIME, context.timeout / 2):g} s); "
            "a simpler pattern (no nested repetition like (a|aa)+) or a narrower path is faster]"
        )
    elif more:
        notes.append(
            f"[stopped after {len(hits)} hit{'' if len(hits) == 1 else 's'} (max_results or the output limit); "
            "there are more: narrow the search with path, glob or a longer pattern]"
        )
    skipped = [
        f"{n} {what}"
        for n, what in (
            (skipped_binary, "binary"),
            (skipped_large, "larger than 5 MB"),
            (skipped_outside, "symlinked outside the allowed folders"),
        )
        if n
    ]
    if skipped:
        notes.append(f"[files skipped: {', '.join(skipped)}]")
    if replaced:
        notes.append(f"[{replaced} files hold bytes that are not UTF-8: replaced with U+FFFD]")
    if not hits:
        return "\n".join([f"no match for {pattern!r} in {shown(top, context)}", *notes])
    return "\n".join([*hits, *notes])
