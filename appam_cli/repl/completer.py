"""Tab completion at the chat prompt: slash commands, then their arguments.

``/mo`` -> ``/model``; ``/model gpt-4o`` -> model names: those of this session, then
config's aliases and its profiles' models, then the chat models of litellm's price list (not
its speech, image, embedding or realtime models); ``/reasoning `` -> ``on`` / ``off``; ``/open `` -> the ids of
the most recent sessions, with their titles. Plain messages
get no completions, so the menu only ever appears for commands.
"""

from __future__ import annotations

from prompt_toolkit.completion import Completer, Completion

from appam_cli.repl import commands
from appam_cli.repl.state import ChatState

MAX_MODELS = 40
MAX_SESSIONS = 20


class SlashCompleter(Completer):
    def __init__(self, state: ChatState) -> None:
        self.state = state

    def get_completions(self, document, complete_event):
        text = document.text_before_cursor
        if not text.startswith("/") or text.startswith("//") or "\n" in text:
            return
        word, space, arg = text[1:].partition(" ")
        if not space:
            for c in commands.COMMANDS:
                if c.name.startswith(word.lower()):
                    yield Completion(f"/{c.name}", start_position=-len(text), display_meta=c.summary)
            return
        name = commands.resolve(word)
        if name == "open":
            yield from self._sessions(arg.lstrip())
            return
        for value, meta in self._arguments(name, arg.lstrip()):
            yield Completion(value, start_position=-len(arg.lstrip()), display_meta=meta)

    def _sessions(self, prefix: str):
        """The most recent sessions' ids, with their titles beside them."""
        try:
            recent = self.state.reader.list_sessions(limit=MAX_SESSIONS)
        except Exception:  # the store unreadable now: no completions, never an error while typing
            return
        for s in recent:
            if s.session_id.startswith(prefix) and s.session_id != self.state.session.session_id:
                meta = " ".join((s.title or "").split())[:40]
                yield Completion(s.session_id[:8], start_position=-len(prefix), display_meta=meta)

    def _arguments(self, name: str | None, arg: str) -> list[tuple[str, str]]:
        if name == "reasoning":
            return [(v, "") for v in ("on", "off") if v.startswith(arg.lower())]
        if name == "model":
            return self._models(arg)
        return []

    def _models(self, prefix: str) -> list[tuple[str, str]]:
        from appam_cli.providers import prices_data
        from appam_cli.providers.model_choices import model_choices

        seen = [self.state.model] + [m.model for m in self.state.session.messages if m.model]
        found = {name: "in this chat" for name in seen if name.startswith(prefix)}
        settings = self.state.settings
        loaded = bool(prices_data.price_map.cache_info().currsize)  # read in the background; never wait for it
        for name, meta in model_choices(prefix, settings.aliases, settings.profiles, price_map=loaded):
            found.setdefault(name, meta)
        return list(found.items())[:MAX_MODELS]
