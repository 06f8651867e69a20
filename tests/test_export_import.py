"""``appam sessions export`` / ``appam sessions import``, through the CLI on real SQLite files.

Sessions are made with SessionHistory (every field a session can have: reasoning, tool
calls, an incomplete answer, a fork, priced and unpriced ledger rows) or by ``appam run``
against the loopback provider. The llm importer runs on ``fixtures/llm-0.36-logs.db``,
written by the real llm (see ``fixtures/make_llm_fixture.py``); llm itself is not needed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import APPAM
from import_report import NOT_FOR_READING, assert_light, run_appam
from sessions_store import backdate, load, opened, saved_requests, sessions, snapshot

from appam_cli import ChatMessage, Session, SessionHistory
from appam_cli.datamodel import RequestRecord, RequestUsage

FIXTURES = Path(__file__).parent / "fixtures"
LLM_DB = FIXTURES / "llm-0.36-logs.db"
SEED_KEYS = ["session_id", "agent_name", "model", "messages", "started_at", "ended_at", "usage"]
EXTRA_KEYS = ["title", "status", "parent_id", "requests"]
MESSAGE_KEYS = ["role", "content", "reasoning", "tool_calls", "tool_call_id", "name", "timestamp", "model", "status"]
T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


# -- making sessions -------------------------------------------------------------------


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def request(model: str, minutes: float, tokens=(10, 5), cost: float | None = 0.0012, **usage) -> RequestRecord:
    return RequestRecord(
        model=model,
        usage=RequestUsage(input_tokens=tokens[0], output_tokens=tokens[1], **usage),
        cost_usd=cost,
        started_at=at(minutes),
        duration_ms=850,
        ttft_ms=120,
    )


def seed(home: Path) -> list[Session]:
    """Three sessions: a plain one, an interrupted tool-using one, and a fork of the first."""
    history = SessionHistory(db_path=home / "sessions.db")
    plain = Session(model="openai/gpt-4o-mini", started_at=at(0), ended_at=at(1), title="SQLite basics", status="completed")
    plain.messages = [
        ChatMessage(role="system", content="Be terse.", timestamp=at(0)),
        ChatMessage(role="user", content="What is SQLite?", timestamp=at(0)),
        ChatMessage(
            role="assistant",
            content="An embedded **SQL** database — «zero-config».",
            reasoning="The user wants a definition.",
            model="openai/gpt-4o-mini",
            timestamp=at(0.5),
        ),
    ]
    plain.requests = [request("openai/gpt-4o-mini", 0, (120, 30), 0.0012, cache_read_tokens=64, reasoning_tokens=8)]
    tools = Session(
        agent_name="researcher", model="anthropic/claude-sonnet-4-5", started_at=at(10), ended_at=at(12),
        title="Weather in Paris", status="interrupted",
    )
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
    tools.messages = [
        ChatMessage(role="user", content="Weather in Paris?", timestamp=at(10)),
        ChatMessage(role="assistant", content=None, tool_calls=[call], model="anthropic/claude-sonnet-4-5", timestamp=at(10.2)),
        ChatMessage(role="tool", content="```sunny``` 21°C", tool_call_id="call_1", name="weather", timestamp=at(10.4)),
        ChatMessage(
            role="assistant", content="It is sunny and", model="openai/gpt-4o", status="incomplete", timestamp=at(10.5)
        ),
    ]
    tools.requests = [
        request("anthropic/claude-sonnet-4-5", 10.1, (300, 40), 0.0021, cache_creation_tokens=200),
        request("openai/gpt-4o", 10.45, (350, 4), None, estimated=True),
    ]
    tools.requests[1].status = "interrupted"
    fork = Session(
        model="openai/gpt-4o-mini", started_at=at(20), ended_at=at(20), title="SQLite basics (fork)",
        status="completed", parent_id=plain.session_id, messages=plain.messages[:2],
    )
    for session in (plain, tools, fork):
        history.save_session(session)
    history.close()
    return [plain, tools, fork]


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    monkeypatch.setenv("APPAM_HOME", str(home))
    return home


def ok(result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr, result.exception)
    return result.stdout


def ledger_total(cli) -> dict:
    """The totals of ``appam usage``: the whole ledger, deleted sessions' requests included."""
    return json.loads(ok(cli("usage", "--json")))["total"]


# -- export: formats ----------------------------------------------------------------


def test_export_json_one_id_is_one_session_in_the_seed_shape(offline_cli, appam_home):
    plain, _, _ = seed(appam_home)
    data = json.loads(ok(offline_cli("sessions", "export", plain.session_id[:8])))
    assert list(data) == SEED_KEYS + EXTRA_KEYS
    assert data["session_id"] == plain.session_id
    assert (data["agent_name"], data["model"], data["title"], data["status"], data["parent_id"]) == (
        "default", "openai/gpt-4o-mini", "SQLite basics", "completed", None
    )
    assert data["started_at"] == "2026-03-01T09:30:00.123456Z"
    assert [list(m) for m in data["messages"]] == [MESSAGE_KEYS] * 3
    assert [m["role"] for m in data["messages"]] == ["system", "user", "assistant"]
    answer = data["messages"][2]
    assert answer["content"] == "An embedded **SQL** database — «zero-config»."  # not \u-escaped
    assert (answer["reasoning"], answer["model"], answer["status"]) == (
        "The user wants a definition.", "openai/gpt-4o-mini", "completed"
    )
    assert data["requests"] == [
        {
            "model": "openai/gpt-4o-mini", "started_at": "2026-03-01T09:30:00.123456Z", "duration_ms": 850,
            "ttft_ms": 120, "status": "completed", "input_tokens": 120, "output_tokens": 30,
            "cache_creation_tokens": 0, "cache_read_tokens": 64, "reasoning_tokens": 8, "cost_usd": 0.0012,
            "usage_estimated": False, "agent_name": "default", "imported": False,
        }
    ]
    assert data["usage"]["total_input_tokens"] == 120 and data["usage"]["request_count"] == 1


def test_export_json_several_ids_or_all_is_a_list_oldest_first(offline_cli, appam_home):
    plain, tools, fork = seed(appam_home)
    out = ok(offline_cli("sessions", "export", "--all"))
    assert [s["session_id"] for s in json.loads(out)] == [plain.session_id, tools.session_id, fork.session_id]
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"  # streamed, same bytes
    named = json.loads(ok(offline_cli("sessions", "export", fork.session_id, plain.session_id[:6], fork.session_id)))
    assert [s["session_id"] for s in named] == [fork.session_id, plain.session_id]  # given order, no repeats
    assert named[0]["parent_id"] == plain.session_id


def test_export_all_of_an_empty_store_is_an_empty_list(offline_cli):
    assert ok(offline_cli("sessions", "export", "--all")) == "[]\n"
    assert ok(offline_cli("sessions", "export", "--all", "-f", "jsonl")) == ""


def test_export_jsonl_is_one_session_per_line(offline_cli, appam_home):
    sessions = seed(appam_home)
    lines = ok(offline_cli("sessions", "export", "--all", "--format", "jsonl")).splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["session_id"] for r in records] == [s.session_id for s in sessions]
    tools = records[1]
    assert (tools["agent_name"], tools["status"]) == ("researcher", "interrupted")
    assert tools["messages"][1]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city": "Paris"}'}
    assert tools["messages"][3]["status"] == "incomplete" and tools["messages"][3]["model"] == "openai/gpt-4o"
    assert [r["cost_usd"] for r in tools["requests"]] == [0.0021, None]
    assert tools["usage"]["unpriced_requests"] == 1 and tools["usage"]["estimated_requests"] == 1


def test_export_markdown_is_a_readable_transcript(offline_cli, appam_home):
    plain, tools, fork = seed(appam_home)
    text = ok(offline_cli("sessions", "export", tools.session_id, "-f", "markdown"))
    assert text.startswith("# Weather in Paris\n\n")
    for line in (
        f"- **Session:** `{tools.session_id}`",
        "- **Agent:** researcher",
        "- **Model:** `anthropic/claude-sonnet-4-5`, `openai/gpt-4o`",
        "- **Started:** 2026-03-01 09:40:00 UTC",
        "- **Status:** interrupted",
        "- **Usage:** 650 in",  # AggregatedUsage.format_display(), e.g. "… · $0.0021 + 1 unpriced · 2 requests"
        "$0.0021 + 1 unpriced",
        "## User",
        "Weather in Paris?",
        "## Assistant · `anthropic/claude-sonnet-4-5`",
        "**Tool call** `weather` (`call_1`):",
        '```json\n{\n  "city": "Paris"\n}\n```',
        "## Tool result · `weather`",
        "````\n```sunny``` 21°C\n````",  # a longer fence than the backticks inside
        "## Assistant · `openai/gpt-4o` · *incomplete*",
        "It is sunny and",
    ):
        assert line in text, line
    both = ok(offline_cli("sessions", "export", plain.session_id, fork.session_id, "-f", "markdown"))
    first, second = both.split("\n---\n\n")
    assert "<details><summary>Reasoning</summary>\n\nThe user wants a definition.\n\n</details>" in first
    assert second.startswith("# SQLite basics (fork)") and f"- **Forked from:** `{plain.session_id}`" in second


def test_export_openai_messages_are_ready_to_replay(offline_cli, appam_home):
    plain, tools, _ = seed(appam_home)
    messages = json.loads(ok(offline_cli("sessions", "export", tools.session_id, "-f", "openai")))
    assert messages == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}],
        },
        {"role": "tool", "content": "```sunny``` 21°C", "tool_call_id": "call_1", "name": "weather"},
        {"role": "assistant", "content": "It is sunny and"},
    ]
    lines = ok(offline_cli("sessions", "export", "--all", "-f", "openai")).splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert list(first) == ["messages"]
    assert first["messages"][2] == {"role": "assistant", "content": "An embedded **SQL** database — «zero-config»."}


def test_export_to_a_file(offline_cli, appam_home, tmp_path):
    seed(appam_home)
    target = tmp_path / "out" / "all.jsonl"
    target.parent.mkdir()
    target.write_text("old content\n")
    result = offline_cli("sessions", "export", "--all", "-f", "jsonl", "-o", str(target))
    assert ok(result) == ""
    assert result.stderr.strip() == f"exported 3 sessions to {target}"
    assert len(target.read_text().splitlines()) == 3
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["all.jsonl"]  # no temporary file left behind
    # `-o -` is stdout
    assert len(ok(offline_cli("sessions", "export", "--all", "-f", "jsonl", "-o", "-")).splitlines()) == 3


def test_export_since_selects_recently_active_sessions(offline_cli, appam_home):
    plain, tools, fork = seed(appam_home)
    backdate(appam_home, [plain.session_id, tools.session_id], datetime(2020, 1, 1, tzinfo=UTC))
    records = json.loads(ok(offline_cli("sessions", "export", "--since", "7d")))
    assert [r["session_id"] for r in records] == [fork.session_id]
    assert len(json.loads(ok(offline_cli("sessions", "export", "--all", "--since", "2019-12-31")))) == 3
    offline_cli("sessions", "export", "--since", "yesterday").error_line("invalid time 'yesterday'", code=2)


def test_export_bad_selection(offline_cli, appam_home, tmp_path):
    plain, _, _ = seed(appam_home)
    target = tmp_path / "never.json"
    exported = offline_cli("sessions", "export", plain.session_id, "nope-nope", "-o", str(target))
    exported.error_line("no session matches id 'nope-nope'")
    assert not target.exists()
    result = offline_cli("sessions", "export")
    assert result.exit_code == 2 and "--all" in result.stderr
    result = offline_cli("sessions", "export", plain.session_id, "--all")
    assert result.exit_code == 2 and "not both" in result.stderr
    assert offline_cli("sessions", "export", "--all", "-f", "yaml").exit_code == 2


def test_progress_bar_goes_to_stderr_never_stdout(offline_cli, appam_home, tmp_path):
    history = SessionHistory(db_path=appam_home / "sessions.db")
    for i in range(25):
        history.save_session(Session(model="m", title=f"s{i}", status="completed", messages=[ChatMessage(role="user", content=f"q{i}")]))
    history.close()
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "TERM": "xterm-256color"}
    result = offline_cli("sessions", "export", "--all", "-f", "jsonl", "-o", str(tmp_path / "a.jsonl"), env=terminal)
    assert ok(result) == ""
    assert "exporting" in result.stderr and "25/25" in result.stderr
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 25
    # to stdout (even on a terminal) there is no bar, and stdout holds only the export
    result = offline_cli("sessions", "export", "--all", "-f", "jsonl", env=terminal)
    assert "exporting" not in result.stderr and "exporting" not in result.stdout
    assert len(result.stdout.splitlines()) == 25
    # not on a terminal: no bar either
    result = offline_cli("sessions", "export", "--all", "-o", str(tmp_path / "b.json"))
    assert "exporting" not in result.stderr


@pytest.mark.e2e
def test_export_into_a_closed_pipe_exits_quietly(appam_home):
    history = SessionHistory(db_path=appam_home / "sessions.db")
    for _i in range(300):
        history.save_session(Session(model="m", status="completed", messages=[ChatMessage(role="user", content="x" * 400)]))
    history.close()
    proc = subprocess.Popen([APPAM, "sessions", "export", "--all", "-f", "jsonl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0, stderr
    assert "Traceback" not in stderr and "Broken pipe" not in stderr


# -- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_round_trip_is_exact(offline_cli, appam_home, tmp_path, monkeypatch, fmt):
    seed(appam_home)
    first = ok(offline_cli("sessions", "export", "--all", "-f", fmt))
    (tmp_path / "export").write_text(first)
    before = snapshot(appam_home)

    other = use_home(monkeypatch, tmp_path / "empty-home")
    assert ok(offline_cli("sessions", "import", str(tmp_path / "export"))) == "imported 3 sessions\n"
    assert ok(offline_cli("sessions", "export", "--all", "-f", fmt)) == first
    after = snapshot(other)
    assert after["requests"] == before["requests"]  # the ledger, row for row
    assert after["messages"] == before["messages"]
    # titles, statuses, forks, totals: every column but the moment of the last update
    strip = lambda rows: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]  # noqa: E731
    assert strip(after["sessions"]) == strip(before["sessions"])


def test_round_trip_of_sessions_made_by_appam_run(cli, tmp_path, monkeypatch):
    ok(cli.run("first question"))
    ok(cli.run("-c", "a follow-up"))
    ok(cli.run("-s", "Be brief.", "another topic"))
    first = ok(cli("sessions", "export", "--all", "-f", "jsonl"))
    assert len(first.splitlines()) == 2
    assert json.loads(first.splitlines()[0])["requests"][1]["input_tokens"] > 0
    use_home(monkeypatch, tmp_path / "restored")
    ok(cli("sessions", "import", "-", input=first))
    assert ok(cli("sessions", "export", "--all", "-f", "jsonl")) == first
    assert ok(cli("sessions", "export", "last", "-f", "markdown")).startswith("# another topic")


# -- import ----------------------------------------------------------------------------


def export_text(offline_cli, appam_home, fmt="jsonl") -> str:
    seed(appam_home)
    return ok(offline_cli("sessions", "export", "--all", "-f", fmt))


def test_import_skips_existing_sessions_or_replaces_them(offline_cli, appam_home, tmp_path):
    text = export_text(offline_cli, appam_home)
    before = snapshot(appam_home)
    path = tmp_path / "s.jsonl"
    path.write_text(text)
    assert ok(offline_cli("sessions", "import", str(path))) == (
        "imported 0 sessions, skipped 3 existing sessions (--replace overwrites them)\n"
    )
    assert snapshot(appam_home) == before

    records = [json.loads(line) for line in text.splitlines()]
    records[0]["title"] = "Renamed elsewhere"
    records[0]["messages"].append({"role": "user", "content": "one more"})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert ok(offline_cli("sessions", "import", "--replace", str(path))) == "imported 0 sessions, replaced 3 existing sessions\n"
    after = snapshot(appam_home)
    assert after["requests"] == before["requests"]  # the same requests are never counted twice
    shown = json.loads(ok(offline_cli("sessions", "export", records[0]["session_id"])))
    assert shown["title"] == "Renamed elsewhere" and shown["messages"][-1]["content"] == "one more"
    assert len(after["messages"]) == len(before["messages"]) + 1

    def found(word: str) -> list[str]:  # the search index follows imports (triggers on messages)
        return [json.loads(line)["session_id"] for line in ok(offline_cli("sessions", "search", word, "--json")).splitlines()]

    assert found("more") == [records[0]["session_id"]]
    assert found("sunny") == [records[1]["session_id"]] * 2


def test_import_from_stdin(offline_cli, appam_home, monkeypatch, tmp_path):
    text = export_text(offline_cli, appam_home, fmt="json")
    use_home(monkeypatch, tmp_path / "other")
    assert ok(offline_cli("sessions", "import", "-", input=text)) == "imported 3 sessions\n"
    assert ok(offline_cli("sessions", "export", "--all")) == text


def test_import_dry_run_writes_nothing(offline_cli, appam_home, tmp_path, monkeypatch):
    text = export_text(offline_cli, appam_home)
    path = tmp_path / "s.jsonl"
    path.write_text(text)
    assert ok(offline_cli("sessions", "import", "--dry-run", str(path))) == (
        "would import 0 sessions, skip 3 existing sessions (dry run: nothing written)\n"
    )
    home = use_home(monkeypatch, tmp_path / "other")
    assert ok(offline_cli("sessions", "import", "--dry-run", str(path))) == "would import 3 sessions (dry run: nothing written)\n"
    assert snapshot(home)["sessions"] == []


def test_restoring_a_deleted_session_does_not_double_its_ledger(offline_cli, appam_home, tmp_path):
    plain, _, _ = seed(appam_home)
    text = ok(offline_cli("sessions", "export", plain.session_id))
    with opened(appam_home) as history:
        assert history.delete_session(plain.session_id)
    assert ledger_total(offline_cli)["requests"] == 3  # the ledger outlives the session
    ok(offline_cli("sessions", "import", "-", input=text))
    assert ledger_total(offline_cli)["requests"] == 3
    assert ok(offline_cli("sessions", "export", plain.session_id)) == text


def hand_written(**extra) -> dict:
    session = {
        "session_id": "hand-0001",
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "user", "content": "hello", "timestamp": "2026-02-01T10:00:00Z"},
            {"role": "assistant", "content": "hi"},
        ],
    }
    session.update(extra)
    return session


def test_import_without_requests_adds_one_imported_ledger_row(offline_cli, appam_home):
    usage = {"total_input_tokens": 1200, "total_output_tokens": 300, "total_cache_read_tokens": 200,
             "total_cost_usd": 0.05, "request_count": 4}
    records = [
        hand_written(usage=usage, agent_name="coder"),
        hand_written(session_id="hand-0002", usage={"total_input_tokens": 10, "total_output_tokens": 2}),
        hand_written(session_id="hand-0003", usage=None),
    ]
    text = "".join(json.dumps(r) + "\n" for r in records)
    assert ok(offline_cli("sessions", "import", "-", input=text)) == "imported 3 sessions\n"
    first_message = datetime(2026, 2, 1, 10, tzinfo=UTC)
    rows = {
        sid: [(r.agent_name, r.model, r.started_at, r.usage.input_tokens, r.usage.output_tokens,
               r.usage.cache_read_tokens, r.cost_usd, r.imported) for r in load(appam_home, sid).requests]
        for sid in ("hand-0001", "hand-0002", "hand-0003")
    }
    assert rows == {
        "hand-0001": [("coder", "gpt-4o-mini", first_message, 1200, 300, 200, 0.05, True)],
        "hand-0002": [("default", "gpt-4o-mini", first_message, 10, 2, 0, None, True)],  # no cost given: unknown
        "hand-0003": [],
    }
    totals = sorted(
        (s.session_id, s.usage.total_input_tokens, s.usage.total_cost_usd, s.usage.request_count,
         s.usage.unpriced_requests, s.status)
        for s in sessions(appam_home)
    )
    assert totals == [
        ("hand-0001", 1200, 0.05, 1, 0, "completed"),
        ("hand-0002", 10, 0.0, 1, 1, "completed"),
        ("hand-0003", 0, 0.0, 0, 0, "completed"),
    ]
    data = json.loads(ok(offline_cli("sessions", "export", "hand-0001")))
    assert data["started_at"] == "2026-02-01T10:00:00.000000Z"  # from the first message
    assert data["messages"][1]["timestamp"] == "2026-02-01T10:00:00.000000Z"
    assert data["requests"][0]["imported"] is True


MALFORMED = [
    ("bad JSON", '{"session_id": "x", "model": "m", "messages": [}', "line 3", "not valid JSON"),
    ("missing field", json.dumps({"session_id": "x", "messages": []}), "line 3, model", "missing"),
    ("wrong type", json.dumps({"session_id": "x", "model": "m", "messages": "hello"}), "line 3, messages", "expected a list, got a string"),
    ("unknown role", json.dumps(hand_written(messages=[{"role": "bot", "content": "x"}])), "line 3, messages[0].role", "unknown role 'bot'"),
    ("bad time", json.dumps(hand_written(started_at="last tuesday")), "line 3, started_at", "not an ISO 8601 time"),
    ("negative tokens", json.dumps(hand_written(requests=[{"model": "m", "input_tokens": -5}])), "line 3, requests[0].input_tokens", "must not be negative"),
    ("float count", json.dumps(hand_written(requests=[{"model": "m", "output_tokens": 1.5}])), "line 3, requests[0].output_tokens", "expected a whole number, got 1.5"),
    ("bad status", json.dumps(hand_written(status="done")), "line 3, status", "unknown status 'done'"),
    ("not an object", "[1, 2]", "line 3", "expected an object"),
    ("duplicate id", json.dumps(hand_written(session_id="DUP")), "line 4, session_id", "'DUP' appears twice (first at line 3)"),
]


@pytest.mark.parametrize("bad,location,problem", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_jsonl_imports_nothing_and_names_the_line_and_field(offline_cli, appam_home, monkeypatch, tmp_path, bad, location, problem):
    good = export_text(offline_cli, appam_home).splitlines()
    home = use_home(monkeypatch, tmp_path / "target")
    ok(offline_cli("sessions", "import", "-", input=good[2] + "\n"))  # the target store already holds one session
    before = snapshot(home)
    lines = good[:2] + [bad]
    if "DUP" in bad:
        lines.append(bad)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    imported = offline_cli("sessions", "import", str(path))
    message = imported.error_line(f"{path}: {location}", problem, "nothing was imported")
    assert message.startswith("appam: cannot import")
    assert snapshot(home) == before


def test_malformed_json_document_names_line_and_column(offline_cli, appam_home, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"session_id": "a",\n   "model": "m"\n   "messages": []}\n]\n')
    offline_cli("sessions", "import", str(path)).error_line("line 4 column 4: not valid JSON")
    path.write_text(json.dumps([hand_written(), hand_written(session_id="b", messages=[{"content": "no role"}])], indent=2))
    offline_cli("sessions", "import", str(path)).error_line("item 2, messages[0].role: missing")
    path.write_text('"just a string"')
    offline_cli("sessions", "import", str(path)).error_line("expected a session object or a list of sessions")
    assert not (appam_home / "sessions.db").exists()  # checked before the store was even opened


def test_import_refuses_other_exports_and_bad_files(offline_cli, appam_home, tmp_path):
    plain, _, _ = seed(appam_home)
    openai = ok(offline_cli("sessions", "export", plain.session_id, "-f", "openai"))
    offline_cli("sessions", "import", "-", input=openai).error_line("<stdin>", "--format openai")
    openai_lines = ok(offline_cli("sessions", "export", "--all", "-f", "openai"))
    offline_cli("sessions", "import", "-", input=openai_lines).error_line(
        "line 1, session_id: missing", "--format openai"
    )
    markdown = ok(offline_cli("sessions", "export", plain.session_id, "-f", "markdown"))
    line = offline_cli("sessions", "import", "-", input=markdown).error_line("Markdown", "cannot be imported")
    assert "not valid JSON" not in line and all(f in line for f in ("json", "jsonl", "--from-llm"))
    several = ok(offline_cli("sessions", "export", "--all", "-f", "markdown"))
    (tmp_path / "notes.md").write_text("\n\n" + several)
    offline_cli("sessions", "import", str(tmp_path / "notes.md"), "--dry-run").error_line("Markdown", "nothing was imported")
    offline_cli("sessions", "import", str(tmp_path / "missing.jsonl")).error_line("no such file")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"session_id": "a", "model": "m", "messages": []}\n{"session_id": "\xe9"}\n')
    offline_cli("sessions", "import", str(tmp_path / "latin1.jsonl")).error_line("line 2: not UTF-8 text")
    assert offline_cli("sessions", "import").exit_code == 2
    assert offline_cli("sessions", "import", "x.json", "--from-llm", str(LLM_DB)).exit_code == 2


def test_import_is_one_transaction(offline_cli, appam_home, monkeypatch, tmp_path):
    text = export_text(offline_cli, appam_home)
    home = use_home(monkeypatch, tmp_path / "target")
    ok(offline_cli("sessions", "list"))  # creates the empty store
    with sqlite3.connect(home / "sessions.db") as conn:  # the third session cannot be written
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON sessions WHEN new.title LIKE '%(fork)' "
            "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    offline_cli("sessions", "import", "-", input=text).error_line("nothing was imported", "disk on fire")
    assert snapshot(home) == {"sessions": [], "messages": [], "requests": []}


@pytest.mark.e2e
def test_export_and_import_never_load_litellm_or_sqlmodel(appam_home, tmp_path):
    seed(appam_home)  # the store exists: no migration is due
    path = tmp_path / "all.jsonl"
    for args in (
        ["sessions", "export", "--all", "-f", "jsonl", "-o", str(path)],
        ["sessions", "export", "--all", "-f", "markdown"],
        ["sessions", "import", "--replace", str(path)],
        ["sessions", "import", "--from-llm", str(LLM_DB), "--dry-run"],
    ):
        run = run_appam(*args)
        assert run.returncode == 0, run.stderr[-2000:]
        assert_light(run, NOT_FOR_READING)


# -- llm -------------------------------------------------------------------------------


@pytest.fixture
def llm_db(tmp_path) -> Path:
    path = tmp_path / "logs.db"
    shutil.copyfile(LLM_DB, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_from_llm_fixture(offline_cli, appam_home, llm_db):
    untouched = digest(llm_db)
    assert ok(offline_cli("sessions", "import", "--from-llm", str(llm_db))) == "imported 5 sessions\n"
    assert digest(llm_db) == untouched  # opened read-only
    sessions = [json.loads(line) for line in ok(offline_cli("sessions", "export", "--all", "-f", "jsonl")).splitlines()]
    by_title = {s["title"]: s for s in sessions}
    assert list(by_title) == [  # oldest first; the legacy prime conversation was continued later, by llm 0.36
        "What is SQLite?", "Name a prime number", "Which llm version is this?", "Say hello", "What version of llm runs here?"
    ]
    for s in sessions:
        assert (s["agent_name"], s["model"], s["status"]) == ("llm", "loopback", "completed")
        assert all(r["imported"] and r["cost_usd"] is None and r["agent_name"] == "llm" for r in s["requests"])
        assert s["usage"]["unpriced_requests"] == s["usage"]["request_count"] == len(s["requests"])

    def talk(s):
        return [(m["role"], m["content"]) for m in s["messages"]]

    # llm 0.31.1 (legacy tables): a system prompt, then `llm -c`
    sqlite_chat = by_title["What is SQLite?"]
    assert talk(sqlite_chat) == [
        ("system", "You are terse."), ("user", "What is SQLite?"), ("assistant", "A small embedded SQL database engine."),
        ("user", "Is it fast?"), ("assistant", "Yes, for most local workloads."),
    ]
    assert [(r["input_tokens"], r["output_tokens"], r["cache_read_tokens"]) for r in sqlite_chat["requests"]] == [(12, 7, 0), (31, 6, 12)]
    assert sqlite_chat["messages"][2]["model"] == "loopback"
    # the same conversation continued with llm 0.36 (`--cid`): one session, old times kept, both ledgers
    prime = by_title["Name a prime number"]
    assert talk(prime) == [("user", "Name a prime number"), ("assistant", "Seven."), ("user", "Another one?"), ("assistant", "Eleven.")]
    assert prime["messages"][0]["timestamp"] == prime["requests"][0]["started_at"]
    assert prime["messages"][2]["timestamp"] == prime["requests"][1]["started_at"] > prime["messages"][1]["timestamp"]
    assert [(r["input_tokens"], r["output_tokens"]) for r in prime["requests"]] == [(5, 2), (14, 2)]
    # tool calls, legacy and new
    for title, version in (("Which llm version is this?", "0.31.1"), ("What version of llm runs here?", "0.36")):
        chat = by_title[title]
        assert [m["role"] for m in chat["messages"]] == ["user", "assistant", "tool", "assistant"]
        call = chat["messages"][1]["tool_calls"][0]
        assert call["type"] == "function" and call["function"] == {"name": "llm_version", "arguments": "{}"}
        assert chat["messages"][1]["content"] is None
        result = chat["messages"][2]
        assert (result["content"], result["tool_call_id"], result["name"]) == (version, call["id"], "llm_version")
        assert len(chat["requests"]) == 2
    assert by_title["What version of llm runs here?"]["requests"][1]["cache_read_tokens"] == 32
    # llm 0.36 with a system prompt, continued with -c; reasoning tokens kept (llm logged no reasoning text)
    french = by_title["Say hello"]
    assert talk(french) == [
        ("system", "Answer in French."), ("user", "Say hello"), ("assistant", "Bonjour."), ("user", "And goodbye?"), ("assistant", "Au revoir."),
    ]
    assert french["requests"][1]["reasoning_tokens"] == 7 and french["requests"][1]["output_tokens"] == 11
    assert french["messages"][4]["reasoning"] is None
    assert french["started_at"] < french["messages"][3]["timestamp"] < french["ended_at"]


def test_import_from_llm_twice_skips_and_replace_keeps_the_ledger(offline_cli, appam_home, llm_db):
    ok(offline_cli("sessions", "import", "--from-llm", str(llm_db)))
    before = snapshot(appam_home)
    assert ok(offline_cli("sessions", "import", "--from-llm", str(llm_db))) == (
        "imported 0 sessions, skipped 5 existing sessions (--replace overwrites them)\n"
    )
    assert snapshot(appam_home) == before
    ok(offline_cli("sessions", "import", "--from-llm", str(llm_db), "--replace"))
    assert snapshot(appam_home)["requests"] == before["requests"]
    requests = saved_requests(appam_home)
    assert len(requests) == 10 and all(r.imported for r in requests)


def test_import_from_llm_counts_in_usage_reports(offline_cli, appam_home, llm_db):
    ok(offline_cli("sessions", "import", "--from-llm", str(llm_db)))
    assert all(r.imported for r in saved_requests(appam_home))
    total = ledger_total(offline_cli)
    assert (total["input_tokens"], total["output_tokens"], total["requests"]) == (
        12 + 31 + 5 + 40 + 58 + 9 + 21 + 14 + 44 + 63, 7 + 6 + 2 + 9 + 8 + 3 + 11 + 2 + 10 + 6, 10
    )


def test_import_from_something_that_is_not_an_llm_database(offline_cli, appam_home, tmp_path):
    seed(appam_home)
    offline_cli("sessions", "import", "--from-llm", str(appam_home / "sessions.db")).error_line(
        "is not an llm logs database"
    )
    (tmp_path / "notes.txt").write_text("hello\n" * 100)
    offline_cli("sessions", "import", "--from-llm", str(tmp_path / "notes.txt")).error_line("is not an SQLite database")
    offline_cli("sessions", "import", "--from-llm", str(tmp_path / "nope.db")).error_line("no file at", "llm logs path")


def test_import_from_a_hand_made_legacy_llm_database(offline_cli, appam_home, tmp_path):
    """An older llm schema (no tool or fragment tables) and Anthropic-style token details."""
    path = tmp_path / "old-logs.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE conversations (id TEXT PRIMARY KEY, name TEXT, model TEXT);
        CREATE TABLE responses (id TEXT PRIMARY KEY, model TEXT, prompt TEXT, system TEXT, prompt_json TEXT,
          options_json TEXT, response TEXT, response_json TEXT, conversation_id TEXT, duration_ms INTEGER,
          datetime_utc TEXT, input_tokens INTEGER, output_tokens INTEGER, token_details TEXT);
        INSERT INTO conversations VALUES ('c1', 'Haiku please', 'claude-3.5-sonnet');
        INSERT INTO responses VALUES ('r1', 'claude-3.5-sonnet', 'Haiku please', 'Be poetic', NULL, NULL,
          'Old pond / frog', NULL, 'c1', 900, '2024-05-01T08:00:00.000001', 10, 5,
          '{"cache_read_input_tokens": 100, "cache_creation_input_tokens": 20}');
        INSERT INTO responses VALUES ('r2', 'claude-3.5-sonnet', 'Another', 'Be poetic', NULL, NULL,
          'Autumn moon', NULL, 'c1', 700, '2024-05-01T08:01:00.000001', 30, 6, NULL);
        INSERT INTO responses VALUES ('r3', 'gemini-2.5-flash', 'Lone prompt', NULL, NULL, NULL,
          'Lone answer', NULL, NULL, 100, '2024-05-02T08:00:00', 3, 4, '{"thoughtsTokenCount": 50}');
        """
    )
    conn.commit()
    conn.close()
    assert ok(offline_cli("sessions", "import", "--from-llm", str(path))) == "imported 2 sessions\n"
    haiku, lone = [json.loads(line) for line in ok(offline_cli("sessions", "export", "--all", "-f", "jsonl")).splitlines()]
    assert [(m["role"], m["content"]) for m in haiku["messages"]] == [
        ("system", "Be poetic"), ("user", "Haiku please"), ("assistant", "Old pond / frog"),
        ("user", "Another"), ("assistant", "Autumn moon"),  # the same system prompt is not repeated
    ]
    first = haiku["requests"][0]
    assert (first["input_tokens"], first["cache_read_tokens"], first["cache_creation_tokens"]) == (130, 100, 20)
    assert haiku["ended_at"] == "2024-05-01T08:01:00.700001Z"
    assert lone["title"] is None and lone["model"] == "gemini-2.5-flash"
    assert (lone["requests"][0]["output_tokens"], lone["requests"][0]["reasoning_tokens"]) == (54, 50)
