"""`appam sessions list | show | delete | rename | fork` through the real CLI on a real SQLite file.

Stores are built with SessionHistory (fast); every check reads what the command printed,
its exit code, and the rows left in the database.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sessions_store import fts_ok, fts_rowids, load, make_session, opened, save, saved_requests, sessions, snapshot

from appam_cli.datamodel import ChatMessage
from appam_cli.store import SessionHistory

SEED_KEYS = {"session_id", "agent_name", "model", "messages", "started_at", "ended_at", "usage"}
A = "aaaa1111-0000-4000-8000-000000000001"
B = "aaaa2222-0000-4000-8000-000000000002"
C = "bbbb3333-0000-4000-8000-000000000003"


def ledger_by_session(cli) -> dict[str, tuple[int, str]]:
    """What ``appam usage --by session`` counts: session id -> (requests, label)."""
    result = cli("usage", "--by", "session", "--json")
    assert result.exit_code == 0, result.stderr
    return {g["group"]: (g["requests"], g["label"]) for g in json.loads(result.stdout)["groups"]}


def table_ids(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines()[1:] if re.match(r"[0-9a-f]{8}  ", line)]


# -- list ---------------------------------------------------------------------------------


def test_list_is_a_table_newest_first(offline_cli, appam_home):
    save(appam_home, make_session("oldest question", session_id=A), age=timedelta(days=10))
    save(appam_home, make_session("middle question", session_id=B), age=timedelta(hours=3))
    save(appam_home, make_session("newest [/] question", session_id=C, tokens=(1200, 34), cost=0.0123))
    result = offline_cli("sessions", "list")
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    # every session completed: the status column gives its room to the titles
    assert header.split() == ["id", "title", "agent", "model", "msgs", "tokens", "cost", "updated"]
    assert [r.split()[0] for r in rows] == ["bbbb3333", "aaaa2222", "aaaa1111"]
    assert "newest [/] question" in rows[0] and "1,234" in rows[0] and "$0.0123" in rows[0]
    assert "just now" in rows[0] and "3h ago" in rows[1]
    assert "openai/test-model" in rows[2] and rows[2].split()[-1].count("-") == 2  # a date after a week


def test_list_on_a_narrow_screen_drops_columns_that_say_nothing(offline_cli, appam_home):
    save(appam_home, make_session("a question long enough to be cut on a narrow screen"))
    narrow = offline_cli("sessions", "list", env={"COLUMNS": "80"})
    header, row, note = narrow.stdout.splitlines()
    # status and agent say nothing (all completed, all default): they leave first, unmentioned;
    # then the message count, which the note names
    assert header.split() == ["id", "title", "model", "tokens", "cost", "updated"]
    assert "a question" in row and "…" in row and len(row.rstrip()) <= 80
    assert note == "not shown at this width: msgs (a wider window or --json shows them)"
    save(appam_home, make_session("q1", agent="coder", status="interrupted"))
    header, *rows = offline_cli("sessions", "list", env={"COLUMNS": "80"}).stdout.splitlines()
    assert header.split()[:3] == ["id", "title", "agent"] and "status" in header
    assert "coder" in rows[0] and "interrup" in rows[0]


def test_list_limit_and_all(offline_cli, appam_home):
    save(appam_home, *[make_session(f"question {i}") for i in range(23)])
    default = offline_cli("sessions", "list")
    assert len(table_ids(default.stdout)) == 20
    assert "20 of 23 sessions" in default.stdout
    assert len(table_ids(offline_cli("sessions", "list", "-n", "5").stdout)) == 5
    every = offline_cli("sessions", "list", "--all")
    assert len(table_ids(every.stdout)) == 23 and " of 23" not in every.stdout
    assert len(offline_cli("sessions", "list", "--limit", "3", "--json").stdout.splitlines()) == 3


def test_list_filters(offline_cli, appam_home):
    save(appam_home, make_session("old one", session_id=A, model="gpt-4o-mini"), age=timedelta(days=40))
    save(appam_home, make_session("by coder", session_id=B, agent="coder", status="failed"), age=timedelta(days=2))
    save(appam_home, make_session("recent", session_id=C, model="anthropic/claude-sonnet-4-5"))

    def ids(*args):
        result = offline_cli("sessions", "list", "--json", *args)
        assert result.exit_code == 0, result.stderr
        return [json.loads(line)["session_id"] for line in result.stdout.splitlines()]

    assert ids() == [C, B, A]
    assert ids("--agent", "coder") == [B]
    assert ids("--model", "GPT-4O") == [A]  # a part of the name, any case
    assert ids("--model", "claude") == [C]
    assert ids("--status", "failed") == [B]
    assert ids("--since", "7d") == [C, B]
    assert ids("--until", "1d") == [B, A]
    assert ids("--since", "30d", "--until", "1h") == [B]
    twenty_days_ago = (datetime.now(UTC) - timedelta(days=20)).strftime("%Y-%m-%d")
    assert ids("--since", twenty_days_ago) == [C, B] and ids("--until", twenty_days_ago) == [A]
    filtered = offline_cli("sessions", "list", "--agent", "nobody")
    assert filtered.exit_code == 0 and "No sessions match" in filtered.stdout


def test_list_json_objects_have_the_seed_keys_but_no_messages(offline_cli, appam_home):
    save(appam_home, make_session("q", session_id=A, tokens=(7, 3), cost=0.5))
    (line,) = offline_cli("sessions", "list", "--json").stdout.splitlines()
    data = json.loads(line)
    assert SEED_KEYS - {"messages"} <= set(data) and "messages" not in data
    assert data["session_id"] == A and data["title"] == "q" and data["message_count"] == 2
    assert data["usage"]["total_input_tokens"] == 7 and data["usage"]["total_cost_usd"] == 0.5
    assert data["started_at"].endswith("Z") and data["status"] == "completed"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--status", "done"], ["--status", "completed"]),
        (["--since", "yesterday"], ["invalid time"]),
        (["--until", "3x"], ["invalid time"]),
    ],
)
def test_list_bad_filters_are_one_line(offline_cli, appam_home, args, words):
    save(appam_home, make_session())
    offline_cli("sessions", "list", *args).error_line(*words, code=2)  # a bad option value: usage


def test_list_empty_store(offline_cli):
    result = offline_cli("sessions", "list")
    assert result.exit_code == 0 and "No saved sessions yet" in result.stdout
    assert offline_cli("sessions", "list", "--json").stdout == ""


def test_list_query_never_reads_messages(appam_home):
    save(appam_home, make_session())
    history = SessionHistory()
    statements: list[str] = []
    history.conn.set_trace_callback(statements.append)
    history.list_sessions(limit=20)
    history.session_count()
    assert statements and not [s for s in statements if "messages" in s]


# -- show ---------------------------------------------------------------------------------


def tool_session():
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    extra = [
        ChatMessage("assistant", None, reasoning="The user wants weather.\nI should call the tool.", tool_calls=[call], model="openai/test-model"),
        ChatMessage("tool", "\n".join(f"line {i}" for i in range(1, 11)), tool_call_id="call_1", name="get_weather"),
        ChatMessage("assistant", "It is **sunny** in Paris.", model="openai/other-model", status="incomplete"),
    ]
    session = make_session("weather in Paris?", "Let me check.", session_id=A, extra=extra, status="interrupted")
    session.messages.insert(0, ChatMessage("system", "You are terse."))
    return session


def test_show_raw_has_header_and_numbered_transcript(offline_cli, appam_home):
    save(appam_home, tool_session())
    result = offline_cli("sessions", "show", "aaaa1", "--raw")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    head = out.split("### ")[0]
    for line in ("title:    weather in Paris?", f"id:       {A}", "agent:    default",
                 "models:   openai/test-model, openai/other-model", "status:   interrupted", "messages: 6"):
        assert line in head, head
    assert "usage:    10 in / 20 out tokens · $0.0010 · 1 request" in head
    assert "started:  20" in head and "ended:    20" in head
    assert [line for line in out.splitlines() if line.startswith("### ")] == [
        "### #1 system", "### #2 user", "### #3 assistant · openai/test-model",
        "### #4 assistant · openai/test-model", "### #5 tool · get_weather",
        "### #6 assistant · openai/other-model (incomplete)",
    ]
    assert '⚙ get_weather({"city": "Paris"})' in out
    assert "line 6\n… 4 more lines" in out and "line 7" not in out  # tool results are compact
    assert "It is **sunny** in Paris." in out  # raw: Markdown left as written
    assert "▸ reasoning: 9 words (--reasoning to show)" in out and "I should call" not in out


def test_show_reasoning_flags(offline_cli, appam_home):
    save(appam_home, tool_session())
    full = offline_cli("sessions", "show", A, "--raw", "--reasoning").stdout
    assert "[reasoning]\nThe user wants weather.\nI should call the tool.\n[/reasoning]" in full
    hidden = offline_cli("sessions", "show", A, "--raw", "--no-reasoning").stdout
    assert "reasoning" not in hidden and "weather." not in hidden.replace("weather in Paris?", "")


def test_show_rendered_on_a_terminal(offline_cli, appam_home):
    save(appam_home, tool_session())
    env = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0", "NO_COLOR": "1", "COLUMNS": "80"}
    result = offline_cli("sessions", "show", A, "--reasoning", env=env)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[1msunny\x1b[0m" in out and "**sunny**" not in out  # Markdown rendered
    assert "#6 assistant · openai/other-model (incomplete)" in out and "─" in out
    assert "▾ reasoning" in out and "I should call the tool." in out
    assert "⚙ get_weather" in out and "… 4 more lines" in out
    folded = offline_cli("sessions", "show", A, env=env).stdout
    assert "▸ reasoning: 9 words" in folded and "I should call" not in folded


def test_show_plain_when_piped(offline_cli, appam_home):
    save(appam_home, tool_session())
    piped = offline_cli("sessions", "show", A)
    assert piped.exit_code == 0 and "\x1b[" not in piped.stdout and "### #2 user" in piped.stdout


def test_show_json_keeps_the_seed_keys(offline_cli, appam_home):
    save(appam_home, tool_session())
    data = json.loads(offline_cli("sessions", "show", "last", "--json").stdout)
    assert SEED_KEYS <= set(data)
    assert data["session_id"] == A and len(data["messages"]) == 6
    assert data["messages"][3]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert data["messages"][5]["status"] == "incomplete" and data["messages"][5]["model"] == "openai/other-model"
    assert data["usage"]["request_count"] == 1 and data["title"] == "weather in Paris?"
    tail = json.loads(offline_cli("sessions", "show", A, "--json", "--last", "2").stdout)
    assert [m["role"] for m in tail["messages"]] == ["tool", "assistant"]


def test_show_last_n(offline_cli, appam_home):
    save(appam_home, tool_session())
    out = offline_cli("sessions", "show", A, "--raw", "--last", "2").stdout
    assert [line for line in out.splitlines() if line.startswith("### ")] == [
        "### #5 tool · get_weather", "### #6 assistant · openai/other-model (incomplete)"]
    assert "messages: 6 (showing the last 2)" in out
    assert "models:   openai/test-model, openai/other-model" in out  # from all messages
    assert offline_cli("sessions", "show", A, "--last", "0").exit_code == 2  # Typer's own usage error


def test_ids_full_prefix_last_ambiguous_unknown(offline_cli, appam_home):
    save(appam_home, make_session("first", session_id=A), make_session("second", session_id=B))
    save(appam_home, make_session("third", session_id=C))
    for ref, expected in ((A, A), ("aaaa1", A), ("AAAA22", B), ("bbbb", C), ("last", C), (f"  {B} ", B)):
        result = offline_cli("sessions", "show", ref, "--json")
        assert result.exit_code == 0, (ref, result.stderr)
        assert json.loads(result.stdout)["session_id"] == expected, ref
    offline_cli("sessions", "show", "aaaa").error_line("ambiguous", "aaaa1111-000 (first)", "aaaa2222-000 (second)")
    offline_cli("sessions", "show", "cccc").error_line("no session matches id 'cccc'")
    offline_cli("sessions", "show", "aa").error_line("at least 4 characters")
    offline_cli("sessions", "show", "aaaa%").error_line("no session matches")  # no LIKE wildcards


def test_last_on_an_empty_store(offline_cli):
    offline_cli("sessions", "show", "last").error_line("no saved sessions")


# -- delete -------------------------------------------------------------------------------


def test_delete_by_ids_keeps_the_ledger(offline_cli, appam_home):
    save(appam_home, make_session("alpha words", session_id=A), make_session("beta words", session_id=B))
    save(appam_home, make_session("gamma words", session_id=C))
    result = offline_cli("sessions", "delete", "aaaa1", C, "--yes")
    assert result.exit_code == 0, result.stderr
    assert "Deleted 2 sessions" in result.stdout
    assert [s.session_id for s in sessions(appam_home)] == [B]
    with opened(appam_home) as history:
        assert [history.message_count(sid) for sid in (A, B, C)] == [0, 2, 0]
    # ledger rows stay
    assert ledger_by_session(offline_cli) == {A: (1, "(deleted)"), B: (1, "beta words"), C: (1, "(deleted)")}
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "alpha") == [] and fts_rowids(appam_home, "gamma") == []
    assert len(fts_rowids(appam_home, "beta")) == 1


def test_delete_refuses_without_yes_when_not_a_terminal(offline_cli, appam_home):
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    offline_cli("sessions", "delete", A).error_line("refusing to delete 1 session", "--yes")
    assert snapshot(appam_home) == before


def test_delete_with_a_bad_id_deletes_nothing(offline_cli, appam_home):
    save(appam_home, make_session(session_id=A), make_session(session_id=B))
    before = snapshot(appam_home)
    offline_cli("sessions", "delete", A, "dddd", "--yes").error_line("no session matches id 'dddd'")
    offline_cli("sessions", "delete", "aaaa", "--yes").error_line("ambiguous")
    assert snapshot(appam_home) == before


def test_delete_older_than_and_all(offline_cli, appam_home):
    save(appam_home, make_session("old", session_id=A), age=timedelta(days=45))
    save(appam_home, make_session("recent", session_id=B), age=timedelta(days=5))
    save(appam_home, make_session("now", session_id=C))
    result = offline_cli("sessions", "delete", "--older-than", "30d", "--yes")
    assert result.exit_code == 0 and "Deleted 1 session " in result.stdout
    assert [s.session_id for s in sessions(appam_home)] == [B, C]
    assert "No sessions to delete" in offline_cli("sessions", "delete", "--older-than", "30d", "--yes").stdout
    result = offline_cli("sessions", "delete", "--all", "--yes")
    assert result.exit_code == 0 and "Deleted 2 sessions" in result.stdout
    rows = snapshot(appam_home)
    assert rows["sessions"] == [] and rows["messages"] == []
    assert ledger_by_session(offline_cli) == {sid: (1, "(deleted)") for sid in (A, B, C)}  # the ledger stays
    fts_ok(appam_home)


def test_deleting_most_sessions_rebuilds_the_index_in_one_go(offline_cli, appam_home):
    """Past half of the messages the index is rebuilt (or cleared) instead of updated row by row."""
    old = [make_session(f"old topic {i} zebra") for i in range(90)]
    new = [make_session(f"new topic {i} giraffe") for i in range(40)]
    save(appam_home, *old, age=timedelta(days=60))
    save(appam_home, *new)
    result = offline_cli("sessions", "delete", "--older-than", "30d", "--yes")
    assert result.exit_code == 0 and "Deleted 90 sessions" in result.stdout
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "zebra") == [] and len(fts_rowids(appam_home, "giraffe")) == 40
    conn = sqlite3.connect(appam_home / "sessions.db")
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"messages_fts_insert", "messages_fts_update", "messages_fts_delete"} <= triggers
    save(appam_home, *[make_session(f"more {i} okapi") for i in range(80)])
    assert offline_cli("sessions", "delete", "--all", "--yes").exit_code == 0
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "okapi") == [] and fts_rowids(appam_home, "giraffe") == []
    assert sum(requests for requests, _ in ledger_by_session(offline_cli).values()) == 210
    save(appam_home, make_session("after all that, a tapir", session_id=A))  # the triggers work again
    assert fts_rowids(appam_home, "tapir") and offline_cli("sessions", "delete", A, "--yes").exit_code == 0
    assert fts_rowids(appam_home, "tapir") == []
    fts_ok(appam_home)


@pytest.mark.parametrize(
    "args, words, code",
    [  # naming no target or two of them, or an option value that does not parse, is command-line usage (2)
        ([], ["IDs, --older-than DURATION or --all"], 2),
        ([A, "--all"], ["one of them"], 2),
        (["--all", "--older-than", "3d"], ["one of them"], 2),
        (["--older-than", "soon"], ["invalid duration"], 2),
    ],
)
def test_delete_bad_arguments_change_nothing(offline_cli, appam_home, args, words, code):
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    offline_cli("sessions", "delete", *args, "--yes").error_line(*words, code=code)
    assert snapshot(appam_home) == before


# -- rename -------------------------------------------------------------------------------


def test_rename(offline_cli, appam_home):
    save(appam_home, make_session("first prompt", session_id=A), make_session("other", session_id=B))
    result = offline_cli("sessions", "rename", "aaaa1", "  My   sky\nnotes ")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "Renamed aaaa1111: My sky notes"
    assert [(s.session_id, s.title) for s in sessions(appam_home)] == [(A, "My sky notes"), (B, "other")]
    assert "My sky notes" in offline_cli("sessions", "list").stdout
    assert json.loads(offline_cli("sessions", "show", A, "--json").stdout)["title"] == "My sky notes"
    # renaming is not activity: the order by last update stays
    assert [json.loads(line)["session_id"] for line in offline_cli("sessions", "list", "--json").stdout.splitlines()] == [B, A]


def test_rename_bad_input_changes_nothing(offline_cli, appam_home):
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    offline_cli("sessions", "rename", A, "   ").error_line("title is empty")
    offline_cli("sessions", "rename", "ffff", "x").error_line("no session matches")
    assert snapshot(appam_home) == before


# -- fork ---------------------------------------------------------------------------------


def test_fork_copies_messages_and_remembers_the_parent(offline_cli, appam_home):
    save(appam_home, tool_session())
    result = offline_cli("sessions", "fork", "aaaa", "--at", "3")
    assert result.exit_code == 0, result.stderr
    new_id = result.stdout.split()[-1]
    assert result.stdout.startswith("Forked aaaa1111 (3 messages) into ") and new_id != A
    fork = json.loads(offline_cli("sessions", "show", new_id, "--json").stdout)
    assert fork["parent_id"] == A and fork["title"] == "weather in Paris? (fork)"
    assert [m["role"] for m in fork["messages"]] == ["system", "user", "assistant"]
    assert fork["usage"] is None and fork["status"] == "completed"  # tokens stay counted in the parent
    assert len(load(appam_home, A).messages) == 6  # the parent is untouched
    assert [r.model for r in saved_requests(appam_home)] == ["openai/test-model"]  # the parent's one request
    shown = offline_cli("sessions", "show", new_id[:8], "--raw").stdout
    assert f"forked from: {A} (weather in Paris?)" in shown
    fts_ok(appam_home)
    assert len(fts_rowids(appam_home, "terse")) == 2  # the copies are searchable too


def test_fork_all_with_a_title_and_a_deleted_parent(offline_cli, appam_home):
    save(appam_home, make_session("hello there", session_id=A))
    result = offline_cli("sessions", "fork", A, "--title", "Branch B")
    assert result.exit_code == 0, result.stderr
    new_id = result.stdout.split()[-1]
    data = json.loads(offline_cli("sessions", "show", new_id, "--json").stdout)
    assert data["title"] == "Branch B" and len(data["messages"]) == 2
    offline_cli("sessions", "delete", A, "--yes")
    assert f"forked from: {A} (deleted)" in offline_cli("sessions", "show", new_id, "--raw").stdout


@pytest.mark.parametrize("at, code, words", [
    ("0", 2, "invalid --at 0: must be 1 or more"),  # never a message number: command-line usage
    ("-1", 2, "invalid --at -1: must be 1 or more"),
    ("3", 1, "--at must be between 1 and 2"),  # past this session's end: bad input
])
def test_fork_out_of_range_changes_nothing(offline_cli, appam_home, at, code, words):
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    offline_cli("sessions", "fork", A, "--at", at).error_line(words, code=code)
    assert snapshot(appam_home) == before


# -- max_sessions -------------------------------------------------------------------------


def test_max_sessions_prunes_after_each_save(cli, appam_home, write_config):
    write_config("[history]\nmax_sessions = 2\n")
    ids = []
    for word in ("first", "second", "third"):
        result = cli.run("--json", f"{word} prompt")
        assert result.exit_code == 0, result.stderr
        ids.append(json.loads(result.stdout)["session_id"])
    assert [s.title for s in sessions(appam_home)] == ["second prompt", "third prompt"]
    # the pruned session's usage stays; its messages go
    assert ledger_by_session(cli) == {
        ids[0]: (1, "(deleted)"), ids[1]: (1, "second prompt"), ids[2]: (1, "third prompt")
    }
    with opened(appam_home) as history:
        assert [history.message_count(sid) for sid in ids] == [0, 2, 2]
    fts_ok(appam_home)
    assert fts_rowids(appam_home, "first") == []
    fork = cli("sessions", "fork", "last")  # a fork is a save too
    assert fork.exit_code == 0
    assert [s.title for s in sessions(appam_home)] == ["third prompt", "third prompt (fork)"]
