"""The README's tools example (the second ```python block of "## Python API") runs as printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from provider_server import Reply

README = Path(__file__).resolve().parent.parent / "README.md"


def tools_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Python API\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert section, "README.md has no '## Python API' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    (example,) = [b for b in blocks if "tools" in b or "@tool" in b]
    return example


@pytest.mark.e2e
def test_the_tools_example_runs_as_printed(provider, tmp_path):
    provider.enqueue(
        Reply(tool_calls=[{"id": "c1", "name": "word_count", "arguments": {"text": "the cat sat"}},
                          {"id": "c2", "name": "save_note", "arguments": {"title": "cats", "body": "3 words"}}]),
        Reply("Three words; noted."),
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "OPENAI_BASE_URL")}
    env.update(OPENAI_BASE_URL=provider.url, OPENAI_API_KEY="sk-test-not-real")
    done = subprocess.run(
        [sys.executable, "-c", tools_example()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("Three words; noted.")
    assert "'content': '3'" in done.stdout and "'content': 'saved'" in done.stdout  # on_tool_result(print)
    assert (tmp_path / "cats.md").read_text() == "3 words"
    results = provider.chat_requests[1].body["messages"][-2:]
    assert [(m["tool_call_id"], m["content"]) for m in results] == [("c1", "3"), ("c2", "saved")]
    assert [t["function"]["name"] for t in provider.chat_requests[0].body["tools"]] == ["word_count", "save_note"]
