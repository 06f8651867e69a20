"""The layering contract (design.md, "Layout"), as pyproject.toml's [tool.importlinter] declares it.

import-linter checks the import graph that grimp builds from every import statement in the package,
including those inside functions and methods, where most cross-layer imports here live. The second test
shows it: it plants such imports in a copy of the package and expects the check to fail naming each one.

Both tests run ``lint-imports`` in a subprocess: grimp locates the package by importing its spec, and in
this process ``appam_cli`` is already imported from the real tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # both tests run lint-imports in a subprocess

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "appam_cli"
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Check the contracts of ``root/pyproject.toml`` against the package found in ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def plant(path: Path, statement: str) -> int:
    """Append a function whose body is ``statement`` to ``path``; return the statement's line number."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    text += f"\n\ndef _planted_violation() -> None:\n    {statement}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.splitlines())


def test_the_package_keeps_its_layering_contract() -> None:
    result = lint_imports(ROOT)
    if result.returncode != 0:
        pytest.fail(result.stdout + result.stderr, pytrace=False)


def test_imports_inside_functions_that_break_the_contract_are_caught(tmp_path: Path) -> None:
    shutil.copytree(ROOT / PACKAGE, tmp_path / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    package = tmp_path / PACKAGE

    agent_line = plant(package / "agent" / "agent.py", "import appam_cli.cli.app  # noqa: F401")
    store_line = plant(package / "store" / "__init__.py", "import rich  # noqa: F401")
    export_line = plant(package / "export" / "__init__.py", "import litellm  # noqa: F401")

    result = lint_imports(tmp_path)
    report = result.stdout + result.stderr

    assert result.returncode != 0, report
    # The copy was checked, not the real tree.
    assert f"appam_cli.agent.agent -> appam_cli.cli.app (l.{agent_line})" in report, report
    # Each planted import breaks the contracts that name it.
    for contract in (
        "Nothing imports appam_cli.cli but the entry point BROKEN",
        "The core imports neither cli nor repl, nor rich, typer or prompt_toolkit BROKEN",
        "Only appam_cli.providers imports litellm BROKEN",
    ):
        assert contract in report, report
    assert "appam_cli.agent is not allowed to import appam_cli.cli" in report, report
    assert "appam_cli.store is not allowed to import rich" in report, report
    assert f"appam_cli.store -> rich (l.{store_line})" in report, report
    assert f"appam_cli.export -> litellm (l.{export_line})" in report, report
