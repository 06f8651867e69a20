"""The chat's ``/model`` Tab completion offers chat models and config's aliases only (a pty)."""

from __future__ import annotations

import time

import pytest
from test_chat_pty import WAIT, chat_args, chat_env, start_chat

pytestmark = pytest.mark.e2e


def test_model_tab_offers_aliases_and_chat_models_only(provider, appam_home, write_config):
    write_config('[aliases]\nmyfast = "openai/other-model"\n')
    chat = start_chat(appam_home, *chat_args(provider), env=chat_env(appam_home))
    try:
        # An alias, with what it stands for beside it; Tab takes it, and /model resolves it.
        chat.type("/model myf")
        chat.wait_for("alias of openai/other-model")
        chat.child.send("\t")
        chat.wait(lambda: chat.cursor_line().endswith("/model myfast"), "the completed alias")
        chat.child.send("\r")  # the first Enter takes the completion
        chat.wait(lambda: "alias of" not in chat.text(), "the menu to close")
        chat.child.send("\r")
        chat.wait_prompt()
        assert "model: openai/other-model for the next turns" in chat.flat()

        # The price map's chat models, once the chat has read it in the background: not its
        # speech, transcription, realtime or audio models of the same family.
        deadline = time.monotonic() + WAIT
        while True:
            chat.type("/model gpt-4o-mini-")
            try:
                chat.wait_for("gpt-4o-mini-2024-07-18", timeout=3)
                break
            except AssertionError:
                assert time.monotonic() < deadline, f"no model names offered; screen:\n{chat.text()}"
                chat.ctrl("u")
                chat.wait(lambda: chat.cursor_line() == ">", "an empty prompt")
        chat.wait_for("gpt-4o-mini-search-preview")
        screen = chat.text()
        for not_chat in ("gpt-4o-mini-tts", "gpt-4o-mini-transcribe", "realtime", "audio"):
            assert not_chat not in screen, screen
    finally:
        chat.close()
