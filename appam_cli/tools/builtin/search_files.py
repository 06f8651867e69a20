"""``search_files``: lines matching a text or a regular expression in the files below a folder."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from appam_cli.tools.decorator import tool
from appam_cli.tools.output import BINARY_PROBE, decode, looks_binary
from appam_cli.tools.paths import is_within, resolve, roots, shown
from appam_cli.tools.spec import ToolContext, ToolError

SKIPPED_DIRS = frozenset({".git"})
MAX_FILE_BYTES = 5_000_000  # larger files are skipped (and counted)
LINE_PREVIEW = 300  # characters of a matching line shown
MAX_RESULTS = 1000


def _files(top: Path, glob: str | None) -> list[Path]:
    if top.is_file():
        return [top]
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if glob is None or fnmatch.fnmatch(name, glob):
                found.append(Path(folder) / name)
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
        glob: only files whose name matches this pattern, e.g. "*.py".
        max_results: stop after this many hits (at most 1000).
    """
    if not pattern:
        raise ToolError("pattern is empty")
    if not 1 <= max_results <= MAX_RESULTS:
        raise ToolError(f"max_results must be between 1 and {MAX_RESULTS}")
    flags = re.IGNORECASE if ignore_case else 0
    try:
        compiled = re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as exc:
        raise ToolError(f"invalid regular expression {pattern!r}: {exc}") from None
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
            if real.stat().st_size > MAX_FILE_BYTES:
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
            if not compiled.search(line):
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
    if more:
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
