"""What a line of input does: a slash command runs here, plain text becomes a turn.

``handle_line`` returns an Action for the loop (interactive or scripted): send a
message, regenerate the last answer, leave, or nothing more to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from appam_cli.repl import commands, output
from appam_cli.repl.state import ChatState

NOTHING, SEND, RETRY, EXIT = "nothing", "send", "retry", "exit"


@dataclass(frozen=True)
class Action:
    kind: str
    text: str | None = None
    echo: bool = False  # the message was not typed at the prompt (/edit): show it before the answer


DONE = Action(NOTHING)


def clean_message(text: str) -> str:
    """Blank lines around a message and trailing spaces go; indentation inside stays."""
    return text.strip("\r\n").rstrip()


def handle_line(state: ChatState, text: str) -> Action:
    parsed = commands.parse(text)
    if isinstance(parsed, str):
        message = clean_message(parsed)
        return Action(SEND, message) if message.strip() else DONE
    if parsed.name is None:
        output.error(commands.unknown_hint(parsed.word))
        return DONE
    return HANDLERS[parsed.name](state, parsed.arg)


# -- the commands -------------------------------------------------------------------------


def _help(state: ChatState, arg: str) -> Action:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for c in commands.COMMANDS:
        table.add_row(Text(f"/{c.name} {c.args}".rstrip()), Text(c.summary))
    output.show(table)
    output.show(
        "[dim]Enter sends · Esc-Enter, Alt-Enter or Ctrl-J: new line · pasted text stays one message\n"
        "Tab completes · Ctrl-R searches earlier input · Ctrl-X Ctrl-E edits the line in $EDITOR\n"
        "Ctrl-C cancels an answer (or clears the line) · Ctrl-D leaves · //text sends a message starting with /[/]"
    )
    return DONE


def _exit(state: ChatState, arg: str) -> Action:
    return Action(EXIT)


def _new(state: ChatState, arg: str) -> Action:
    old = state.session
    if old.messages:
        where = f"session {old.session_id[:8]} is saved" if state.persisted else "the previous chat was not saved"
        output.notice(f"{where}; starting a new session")
    else:
        output.notice("starting a new session")
    state.new_session()
    always = getattr(state.approver, "always", None)
    if always:  # "always" was for the session that ended
        always.clear()
    return DONE


def _model(state: ChatState, arg: str) -> Action:
    if not arg:
        output.notice(f"model: {state.model}  (/model NAME switches it)")
        return DONE
    from appam_cli.errors import UserError
    from appam_cli.providers import prices_data
    from appam_cli.providers.model_names import check_model

    try:
        check_model(arg.split()[0])
    except UserError as exc:
        output.error(f"{exc.message} (the model stays {state.model})")
        return DONE
    state.model = arg.split()[0]

    known = prices_data.find_entry(state.model) is not None
    output.notice(
        f"model: {state.model} for the next turns"
        + ("" if known else " (not in litellm's price list: its cost will show as unknown)")
    )
    return DONE


def _system(state: ChatState, arg: str) -> Action:
    if not arg:
        current = state.system or next(
            (m.content for m in reversed(state.session.messages) if m.role == "system"), None
        )
        output.notice(f"system prompt: {current}" if current else "no system prompt  (/system TEXT sets one)")
        return DONE
    from appam_cli.repl.turns import catch_up

    refusal = catch_up(state)
    if refusal is not None:
        output.warn(refusal)
        return DONE
    started = bool(state.session.messages)
    state.add_system(arg)
    output.notice(
        "system prompt added to the conversation; it applies from the next turn"
        if started
        else "system prompt set for this session"
    )
    return DONE


def _usage(state: ChatState, arg: str) -> Action:
    usage = state.session.usage
    if usage is None or not usage.request_count:
        output.notice("no requests in this session yet")
        return DONE
    output.show("[bold]Usage of this session[/]")
    for line in usage.format_detailed().splitlines():
        output.console().print("  " + line, markup=False)
    used, estimated = state.context_used()
    window = state.context_window()
    if window:
        from appam_cli.repl.toolbar import compact

        approx = "~" if estimated else ""
        output.console().print(
            f"  context   {approx}{compact(used)} of {compact(window)} tokens ({used / window:.0%})", markup=False
        )
    return DONE


def _info(state: ChatState, arg: str) -> Action:
    from appam_cli.repl.input_history import history_path
    from appam_cli.repl.toolbar import compact

    s = state.session
    if not state.options.save:
        where = "not saved (--no-save)"
    elif state.persisted:
        where = "saved"
    else:
        where = "saved from the first message"
    window = state.context_window()
    system = state.system or next((m.content for m in reversed(s.messages) if m.role == "system"), None)
    exchanges = sum(1 for m in s.messages if m.role == "user")
    rows = [
        ("session", f"{s.session_id} ({where})"),
        ("title", s.title or "-"),
        ("model", state.model + (f" (context window {compact(window)} tokens)" if window else "")),
        ("api base", state.settings.api_base or "the provider's default"),
        ("system", " ".join((system or "-").split())[:100]),
        ("messages", f"{len(s.messages)} ({exchanges} from you)"),
        ("status", s.status),
        ("reasoning", "shown" if state.options.show_reasoning else "hidden"),
        ("output", "plain text" if state.options.raw else "Markdown"),
        ("store", str(getattr(state.reader, "path", "-"))),
        ("input history", str(history_path())),
    ]
    output.lines(rows)
    return DONE


def _last_exchange_is_ours(state: ChatState, refusal_text: str) -> bool:
    """Load what another appam added first; False (having said why) when the chat may not touch
    its last exchange now: another appam is answering, or that exchange is another appam's."""
    from appam_cli.repl.turns import catch_up

    refusal = catch_up(state)
    if refusal is not None:
        output.warn(refusal)
        return False
    index = state.last_user_index()
    if index is not None and state.by_others(index):
        output.warn(f"the last exchange was added by another appam: {refusal_text}")
        return False
    return True


def _retry(state: ChatState, arg: str) -> Action:
    if not _last_exchange_is_ours(state, "/retry only asks again in this chat's own"):
        return DONE
    if not state.drop_answer():
        output.notice("nothing to retry yet: send a message first")
        return DONE
    return Action(RETRY)


def _undo(state: ChatState, arg: str) -> Action:
    if not _last_exchange_is_ours(state, "/undo only removes this chat's own exchanges"):
        return DONE
    removed = state.undo()
    if not removed:
        output.notice("nothing to undo")
        return DONE
    left = len(state.session.messages)
    output.notice(
        f"removed the last exchange ({removed} message{'s' if removed != 1 else ''}); "
        f"{left} left" + (" in the store too" if state.persisted and state.saving else "")
    )
    return DONE


def _rename(state: ChatState, arg: str) -> Action:
    title = " ".join(arg.split())
    if not title:
        output.notice("usage: /rename TITLE")
        return DONE
    state.session.title = title
    if state.persisted and state.saving:
        state.store.rename_session(state.session.session_id, title)
        output.notice(f"renamed session {state.session.session_id[:8]}: {title}")
    elif state.saving:
        output.notice(f"title set: {title} (saved with the first message)")
    else:
        output.notice(f"title set: {title} (not saved: --no-save)")
    return DONE


def _reasoning(state: ChatState, arg: str) -> Action:
    value = arg.lower()
    if value in ("on", "show", "yes", "1"):
        state.options.show_reasoning = True
    elif value in ("off", "hide", "no", "0"):
        state.options.show_reasoning = False
    elif value:
        output.notice("usage: /reasoning on|off")
        return DONE
    output.notice(f"reasoning is {'shown' if state.options.show_reasoning else 'hidden'}")
    return DONE


def _sessions(state: ChatState, arg: str) -> Action:
    from appam_cli.render.session_list import print_session_list

    reader = state.reader
    print_session_list(reader.list_sessions(limit=10), total=reader.session_count())
    output.notice("open one with: appam chat --session ID  (or appam continue ID)")
    return DONE


def _copy(state: ChatState, arg: str) -> Action:
    from appam_cli.repl.clipboard import copy_text

    text = state.session.last_answer()
    if not text:
        output.notice("no answer to copy yet")
        return DONE
    how = copy_text(text)
    if how is None:
        output.warn("no clipboard here: install wl-copy, xclip or xsel (or use a terminal that supports OSC 52)")
    else:
        output.notice(f"copied the last answer ({len(text):,} characters) with {how}")
    return DONE


def _edit(state: ChatState, arg: str) -> Action:
    from appam_cli.errors import UserError
    from appam_cli.repl.editor import edit_text

    try:
        text = edit_text(arg)
    except UserError as exc:
        output.error(exc.message)
        return DONE
    message = clean_message(text or "")
    if not message.strip():
        output.notice("nothing to send (the editor left the message empty)")
        return DONE
    return Action(SEND, message, echo=True)


def _tools(state: ChatState, arg: str) -> Action:
    from appam_cli.repl.approval import list_tools

    list_tools(state)
    return DONE


HANDLERS: dict[str, Callable[[ChatState, str], Action]] = {
    "help": _help,
    "exit": _exit,
    "new": _new,
    "model": _model,
    "system": _system,
    "usage": _usage,
    "info": _info,
    "retry": _retry,
    "undo": _undo,
    "rename": _rename,
    "reasoning": _reasoning,
    "sessions": _sessions,
    "copy": _copy,
    "edit": _edit,
    "tools": _tools,
}
assert set(HANDLERS) == set(commands.BY_NAME), "every command needs a handler"
