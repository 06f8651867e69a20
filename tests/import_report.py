"""What a command imports: run the installed ``appam`` with ``PYTHONPROFILEIMPORTTIME=1``.

Python then reports every module it imports on stderr, nested by who imported it, so a
guard that fails names the chain that pulled the heavy module in (design.md, "Speed rules":
``import litellm`` costs 3-4 s; sqlmodel/sqlalchemy and prompt_toolkit more than a whole
``--help``). Used by every test that guards a command against heavy imports.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

from conftest import APPAM

TIMEOUT = 60

PROVIDER = ("litellm",)
SCHEMA = ("sqlmodel", "sqlalchemy")
# What a help screen or a Tab must never import.
NOT_FOR_HELP = PROVIDER + SCHEMA + ("prompt_toolkit",)
# What reading the store must never import (the schema is checked with PRAGMA user_version).
NOT_FOR_READING = PROVIDER + SCHEMA


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str  # without the import-time report
    imports: list[tuple[int, str]]  # (depth, module) in the order Python reports them
    seconds: float

    def modules(self) -> set[str]:
        return {name for _, name in self.imports}

    def heavy(self, roots: tuple[str, ...]) -> list[str]:
        return sorted(m for m in self.modules() if m.split(".")[0] in roots)

    def chain(self, module: str) -> list[str]:
        """Who imported ``module``: the report lists a module after everything it imported,
        one level deeper, so its importer is the next line with a smaller depth. A chain
        that starts at depth 0 was imported at run time (inside a function): the modules
        imported just before it are shown in brackets as a hint of where."""
        index = next(i for i, (_, name) in enumerate(self.imports) if name == module)
        depth = self.imports[index][0]
        chain = [module]
        top = index
        for i in range(index + 1, len(self.imports)):
            if depth == 0:
                break
            d, name = self.imports[i]
            if d < depth:
                chain.append(name)
                depth, top = d, i
        while top > 0 and self.imports[top - 1][0] > 0:  # skip the top module's own subtree
            top -= 1
        before = [name for d, name in self.imports[:top] if d == 0][-3:]
        return [f"[after {', '.join(before)}]"] + list(reversed(chain))

    def explain(self, roots: tuple[str, ...]) -> str:
        heavy = self.heavy(roots)
        if not heavy:
            return ""
        tops = [m for m in heavy if m.split(".")[0] == m] or heavy[:1]
        chains = "\n".join("  " + " -> ".join(self.chain(m)) for m in tops)
        return f"`appam {' '.join(self.args)}` imported {', '.join(tops)}:\n{chains}"


def run_appam(*args: str, env: dict[str, str] | None = None) -> Run:
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPROFILEIMPORTTIME"] = "1"
    for name in ("PYTHONSTARTUP", "PYTHONWARNINGS"):
        full_env.pop(name, None)
    started = time.perf_counter()
    proc = subprocess.run(
        [APPAM, *args], env=full_env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - started
    imports: list[tuple[int, str]] = []
    other: list[str] = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            field = line.split("|", 2)[2]  # " " + two spaces per nesting level + module name
            name = field.strip()
            if name != "imported package":  # the header line
                imports.append(((len(field) - len(field.lstrip()) - 1) // 2, name))
        else:
            other.append(line)
    return Run(list(args), proc.returncode, proc.stdout, "\n".join(other), imports, seconds)


def assert_light(run: Run, roots: tuple[str, ...]) -> None:
    assert run.imports, "no import-time report: is PYTHONPROFILEIMPORTTIME honoured?"
    assert not run.heavy(roots), run.explain(roots)
