"""What the chat knows between turns: settings, the store, the session, the model, switches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from appam_cli.agent.session_turn import ToolOptions
from appam_cli.agent.spending import Allowance
from appam_cli.agent.store import SessionStore
from appam_cli.config import Settings
from appam_cli.datamodel import ChatMessage, MessageStatus, Session, SessionStatus

if TYPE_CHECKING:
    from appam_cli.providers import ProviderBackend
    from appam_cli.tools.spec import Approver
    from appam_cli.tools.toolbox import Toolbox


@dataclass
class ChatOptions:
    model: str | None = None  # -m; None: the session's model, or the configured default
    system: str | None = None  # -s
    raw: bool = False  # plain text instead of the live Markdown view
    save: bool = True  # --no-save keeps the chat out of the store
    show_reasoning: bool = True
    max_cost_usd: float | None = None  # --max-cost: a cap on the whole chat
    force: bool = False  # run past a used-up [budget]
    debug: bool = False
    api_base: str | None = None  # --api-base: over the session's own API base
    tools: ToolOptions = field(default_factory=ToolOptions)  # -T, --tools-file, --yes, --max-steps…


@dataclass
class ChatState:
    settings: Settings
    store: SessionStore  # where turns are saved (disabled with --no-save)
    reader: SessionStore  # to read from (/sessions, loading), enabled even with --no-save
    session: Session
    model: str
    options: ChatOptions
    system: str | None = None  # the system prompt a new session starts with
    persisted: bool = False  # the session has a row in the store
    unsaved: str | None = None  # why the last turn's save failed (its answer is only in this chat)
    edited: bool = False  # messages were removed or added since the last request (toolbar estimate)
    windows: dict[str, int | None] = field(default_factory=dict)  # model -> context window
    worker: ProviderBackend | None = None  # the provider worker serving this chat (None: this process)
    allowance: Allowance = field(default_factory=Allowance)  # what the whole chat may spend
    seen: set[int] = field(default_factory=set)  # rows of the session this chat loaded or wrote
    others: set[int] = field(default_factory=set)  # rows of the session another appam added while this chat ran
    told: set[str] = field(default_factory=set)  # warnings already shown (a model ignoring an option)
    toolbox: Toolbox | None = None  # the tools the model may call in this chat (opened once, closed at the end)
    approver: Approver | None = None  # who approves side effects: --yes, the config's list, or the user asked

    @classmethod
    def open(cls, settings: Settings, history: SessionStore, session_id: str | None, options: ChatOptions) -> ChatState:
        from appam_cli.agent.session_turn import TurnSpec, turn_api_base, turn_model
        from appam_cli.store import SessionHistory

        reader = history if history.enabled else SessionHistory.from_settings(settings)
        session = None
        if session_id:
            session = reader.load_session(reader.resolve_id(session_id), with_requests=True)
        model = turn_model(settings, TurnSpec(model=options.model), session)
        # The chat asks where its session was answered (--api-base over it), for every turn and /info.
        settings = settings.with_flags(api_base=turn_api_base(settings, TurnSpec(api_base=options.api_base), session))
        state = cls(
            settings=settings,
            store=history,
            reader=reader,
            session=session or Session(model=model),
            model=model,
            options=options,
            system=options.system,
            persisted=session is not None,
            allowance=Allowance(max_cost_usd=options.max_cost_usd, force=options.force),
        )
        state.note_rows()
        if session is not None and session.messages and options.system:
            state.add_system(options.system)
        return state

    # -- the store -------------------------------------------------------------------

    @property
    def saving(self) -> bool:
        """Turns are written to the store."""
        return bool(self.options.save and self.store.enabled and self.store.auto_save)

    def sync(self) -> int:
        """Before this chat writes to its saved session: take in what another appam (another
        window) wrote to it meanwhile, in the store's order. Returns how many messages came in.

        Raises SessionDeleted when the session was deleted meanwhile.
        """
        if not (self.saving and self.persisted):
            return 0
        self.note_rows()
        added = self.store.refresh(self.session)
        rows = self._rows()
        self.others.update(rows - self.seen)
        self.seen |= rows
        if added:
            self.edited = True
        return added

    def _rows(self) -> set[int]:
        return {m.row[1] for m in self.session.messages if m.row is not None and m.row[0] == self.session.session_id}

    def note_rows(self) -> None:
        """Remember the stored rows the session holds now as this chat's own (loaded or written)."""
        self.seen |= self._rows()

    def by_others(self, index: int) -> bool:
        """A message from ``index`` on was added by another appam while this chat ran."""
        return any(m.row is not None and m.row[1] in self.others for m in self.session.messages[index:])

    def save(self) -> None:
        """Write the session's changes now (after /undo, /system) if it is in the store."""
        if self.saving and self.persisted:
            self.store.save_session(self.session)
            self.note_rows()

    # -- the conversation ----------------------------------------------------------------

    def new_session(self) -> None:
        self.session = Session(model=self.model)
        self.persisted = False
        self.edited = False
        self.seen = set()
        self.others = set()

    def last_user_index(self) -> int | None:
        for index in range(len(self.session.messages) - 1, -1, -1):
            if self.session.messages[index].role == "user":
                return index
        return None

    def add_system(self, text: str) -> None:
        """A system prompt from here on: the first message of a new session, else appended."""
        self.system = text
        if self.session.messages:
            self.session.messages.append(ChatMessage(role="system", content=text))
            self.edited = True
            self.save()

    def undo(self) -> int:
        """Remove the last exchange (the last user message and all after it); how many messages went."""
        index = self.last_user_index()
        if index is None:
            return 0
        removed = len(self.session.messages) - index
        del self.session.messages[index:]
        self.session.status = self._rest_status()
        self.edited = True
        self.save()
        return removed

    def drop_answer(self) -> bool:
        """For /retry: drop the answer after the last user message. False when there is no question."""
        index = self.last_user_index()
        if index is None:
            return False
        messages = self.session.messages
        messages[index + 1:] = [m for m in messages[index + 1:] if m.role not in ("assistant", "tool")]
        self.edited = True
        return True

    def _rest_status(self) -> SessionStatus:
        cut = any(m.role == "assistant" and m.status != MessageStatus.COMPLETED for m in self.session.messages)
        return SessionStatus.INTERRUPTED if cut else SessionStatus.COMPLETED

    def after_turn(self) -> None:
        self.persisted = self.persisted or self.saving
        self.edited = False
        self.note_rows()

    # -- numbers for the toolbar and /usage --------------------------------------------------

    def context_window(self) -> int | None:
        """The model's context window from the bundled price map; None when unknown or not loaded yet."""
        if self.model in self.windows:
            return self.windows[self.model]
        from appam_cli.providers import prices_data

        if not prices_data.price_map.cache_info().currsize:
            return None  # the map loads in the background; never block a redraw on it
        self.windows[self.model] = prices_data.context_window(self.model)
        return self.windows[self.model]

    def load_context_window(self) -> None:
        from appam_cli.providers import prices_data

        prices_data.price_map()
        self.context_window()

    def context_used(self) -> tuple[int, bool]:
        """Tokens the conversation takes now, and whether that is an estimate.

        The last request's input plus output is exact; after an edit, or before any
        request, about four characters a token.
        """
        requests = [r for r in self.session.requests if r.usage.input_tokens]
        if requests and not self.edited:
            usage = requests[-1].usage
            return usage.input_tokens + usage.output_tokens, usage.estimated
        from appam_cli.providers.usage import rough_tokens

        return sum(rough_tokens(m.content or "") + 4 for m in self.session.messages), True
