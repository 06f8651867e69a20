"""What README.md promises Python users: its import paths resolve, and its "Python API"
example runs as printed (read from README.md at test time, never copied here)."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from provider_server import Reply
from sessions_store import load, sessions

README = Path(__file__).resolve().parent.parent / "README.md"

# The paths the README documents today and has documented before: code written against any of
# them keeps working (appam_cli.models was renamed appam_cli.datamodel and stays as an alias).
DOCUMENTED = [
    "appam_cli.Agent",
    "appam_cli.StreamBuilder",
    "appam_cli.Session",
    "appam_cli.ChatMessage",
    "appam_cli.AggregatedUsage",
    "appam_cli.SessionHistory",
    "appam_cli.models.price.ModelPrice",
    "appam_cli.datamodel.price.ModelPrice",
    "appam_cli.agent.budget.BudgetExceeded",
]


def readme_paths() -> set[str]:
    """Every ``from appam_cli… import …`` (as module.name) and every `appam_cli.…` in the README."""
    text = README.read_text(encoding="utf-8")
    found: set[str] = set()
    for module, names in re.findall(r"from (appam_cli[\w.]*) import ([\w, ]+)", text):
        found.update(f"{module}.{name.strip()}" for name in names.split(",") if name.strip())
    found.update(re.findall(r"`(appam_cli(?:\.\w+)+)`", text))
    return found


def resolve(dotted: str):
    """The module of that name, or else the attribute of its parent module."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name != dotted:
            raise
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def readme_python_example() -> str:
    """The first ```python block of the README's "## Python API" section."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Python API\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "README.md has no '## Python API' section"
    block = re.search(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    assert block, "the Python API section has no ```python block"
    return block.group(1)


def test_the_readme_documents_paths_this_test_knows():
    """The README is read, not trusted: its paths are found, and the documented ones are among them."""
    found = readme_paths()
    assert {"appam_cli.Agent", "appam_cli.SessionHistory", "appam_cli.agent.budget.BudgetExceeded"} <= found
    assert "appam_cli.datamodel.price.ModelPrice" in found


@pytest.mark.parametrize("dotted", sorted(set(DOCUMENTED) | readme_paths()))
def test_documented_import_path_works(dotted):
    value = resolve(dotted)
    assert value.__name__ == dotted.rpartition(".")[2] or value.__name__ == dotted


def test_the_old_data_model_path_is_the_same_code():
    from appam_cli.models.price import ModelPrice as OldModelPrice

    import appam_cli
    from appam_cli.agent.budget import BudgetExceeded
    from appam_cli.datamodel.price import ModelPrice

    assert OldModelPrice is ModelPrice  # isinstance and pickled objects keep working across both names
    assert importlib.import_module("appam_cli.models.price") is importlib.import_module("appam_cli.datamodel.price")
    assert issubclass(BudgetExceeded, Exception)
    top_level = {d.removeprefix("appam_cli.") for d in DOCUMENTED if d.count(".") == 1}
    assert top_level <= set(appam_cli.__all__)  # `from appam_cli import *` gives them too


@pytest.mark.e2e
def test_the_python_api_example_runs_as_printed(provider, tmp_path):
    """The README's example, unchanged (model "gpt-4o-mini", "data/sessions.db" relative to the
    working directory), in a fresh interpreter; litellm reaches the loopback server through its
    OpenAI environment variables, as it would reach api.openai.com with a real key."""
    provider.enqueue(
        Reply("Paris.", usage={"prompt_tokens": 20, "completion_tokens": 2}),
        Reply(["Qubits hold ", "superpositions."], usage={"prompt_tokens": 30, "completion_tokens": 4}),
        Reply("Qubits.", usage={"prompt_tokens": 40, "completion_tokens": 2}),
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "OPENAI_BASE_URL")}
    # litellm 1.106.2 (main.py, the openai route): api_base = ... or OPENAI_BASE_URL or OPENAI_API_BASE
    env.update(OPENAI_BASE_URL=provider.url, OPENAI_API_KEY="sk-test-not-real")
    done = subprocess.run(
        [sys.executable, "-c", readme_python_example()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "Qubits hold superpositions." in done.stdout

    sent = provider.chat_requests
    assert [r.body["model"] for r in sent] == ["gpt-4o-mini"] * 3  # the name as printed, not rewritten
    assert all(r.headers["authorization"] == "Bearer sk-test-not-real" for r in sent)

    store = tmp_path / "data"
    assert (store / "sessions.db").exists()
    first, streamed = sessions(store)
    assert f"{first.session_id} " in done.stdout  # print(session.session_id, ...)
    assert [(m.role, m.content) for m in load(store, first.session_id).messages] == [
        ("system", "You are a helpful assistant."),
        ("user", "What is the capital of France?"),
        ("assistant", "Paris."),
    ]
    # the streamed exchange and its continuation: one session id, both exchanges, usage summed
    continued = load(store, streamed.session_id)
    assert [(m.role, m.content) for m in continued.messages] == [
        ("system", "You are a helpful assistant."),
        ("user", "Explain quantum computing"),
        ("assistant", "Qubits hold superpositions."),
        ("user", "Shorter, please."),
        ("assistant", "Qubits."),
    ]
    assert [r.model for r in continued.requests] == ["gpt-4o-mini", "gpt-4o-mini"]
    assert (continued.usage.total_input_tokens, continued.usage.request_count) == (70, 2)
