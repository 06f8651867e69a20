"""`appam run` on a real (pseudo-)terminal: the live Markdown view's final screen reads
exactly like a one-shot Rich render of the same answer, followed by the footer."""

from __future__ import annotations

import pytest
from conftest import APPAM
from provider_server import Reply, split_words
from test_render_pty import ANSWER, one_shot_screen, run_in_pty, screen_lines

pytestmark = pytest.mark.e2e  # every test runs `appam run` in a pseudo-terminal


def test_live_answer_screen_matches_one_shot_render(provider):
    # small chunks that cut lines, fences and table rows at arbitrary places
    chunks = [ANSWER[i : i + 7] for i in range(0, len(ANSWER), 7)]
    provider.enqueue(Reply(chunks, usage={"prompt_tokens": 11, "completion_tokens": 240}, chunk_delay=0.002))
    output = run_in_pty([APPAM, "run", "show me markdown", "-m", "openai/test-model", "--api-base", provider.url])
    lines = screen_lines(output)
    footer = lines[-1]
    assert footer.startswith("session ") and "11 in / 240 out tokens" in footer
    assert lines[:-1] == one_shot_screen(ANSWER)


def test_raw_flag_on_a_terminal_writes_the_text_as_is(provider):
    text = "# Not rendered\n\n- plain\n"
    provider.enqueue(Reply(split_words(text)))
    output = run_in_pty([APPAM, "run", "q", "--raw", "-m", "openai/test-model", "--api-base", provider.url])
    lines = screen_lines(output)
    assert lines[:3] == ["# Not rendered", "", "- plain"]
