"""A message has one number wherever a person reads or types it: from 1, as ``sessions show``
prints it and ``sessions fork --at`` counts it; ``search --json`` calls it ``message_number``.
Positions in the store may have gaps (a message removed); the number never does."""

from __future__ import annotations

import json
import re

from sessions_store import make_session, opened

from appam_cli.datamodel import ChatMessage

SID = "5e3c1a2b-0000-4000-8000-000000000001"


def make_gapped(home) -> None:
    """Four messages whose store positions are 0, 1, 4, 5: an exchange was removed in between."""
    session = make_session("first question", "first answer", session_id=SID)
    with opened(home) as history:
        history.save_session(session)
        session.messages += [ChatMessage("user", "dropped question"), ChatMessage("assistant", "dropped answer")]
        history.save_session(session)
        del session.messages[2:]  # undone: the rows go, their positions stay taken
        history.save_session(session)
        session.messages += [ChatMessage("user", "quasar question"), ChatMessage("assistant", "a quasar answer")]
        history.save_session(session)


def test_search_numbers_messages_as_show_and_fork_do(offline_cli, appam_home):
    make_gapped(appam_home)
    found = offline_cli("sessions", "search", "quasar", "--json")
    assert found.exit_code == 0, found.stderr
    numbers = {json.loads(line)["role"]: json.loads(line) for line in found.stdout.splitlines()}
    assert {r: h["message_number"] for r, h in numbers.items()} == {"user": 3, "assistant": 4}
    assert "position" not in numbers["user"]

    text = offline_cli("sessions", "search", "quasar").stdout
    assert re.search(r"#3 user", text) and re.search(r"#4 assistant", text)

    shown = offline_cli("sessions", "show", SID, "--raw").stdout
    assert re.search(r"#3 user\b.*\n+quasar question", shown), shown

    forked = offline_cli("sessions", "fork", SID, "--at", "3")
    assert forked.exit_code == 0, forked.stderr
    with opened(appam_home) as history:
        (fork,) = [s for s in history.list_sessions() if s.session_id != SID]
        assert [m.content for m in history.load_session(fork.session_id).messages][-1] == "quasar question"
