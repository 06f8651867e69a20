"""`appam continue [ID [PROMPT]]` and `appam sessions continue`: real CLI, real litellm, loopback provider."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from provider_server import HTTPError, Reply
from sessions_store import fts_ok, load, make_session, only_session, save, sessions, snapshot

A = "aaaa1111-0000-4000-8000-000000000001"
B = "aaaa2222-0000-4000-8000-000000000002"


def cont(cli, *args, command=("continue",), **kwargs):
    return cli(*command, *args, "--api-base", cli.server.url, "--retries", "0", **kwargs)


def test_continue_appends_sums_usage_and_may_switch_model(cli, appam_home):
    cli.server.enqueue(Reply("Blue light scatters most.", usage={"prompt_tokens": 10, "completion_tokens": 5}))
    first = cli.run("--json", "why is the sky blue?")
    sid = json.loads(first.stdout)["session_id"]
    cli.server.enqueue(Reply("Red at sunset.", usage={"prompt_tokens": 30, "completion_tokens": 4}))
    result = cont(cli, sid[:6], "and at sunset?", "-m", "openai/other-model", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["session_id"] == sid
    assert [(m["role"], m["content"], m["model"]) for m in data["messages"]] == [
        ("user", "why is the sky blue?", None),
        ("assistant", "Blue light scatters most.", "openai/test-model"),
        ("user", "and at sunset?", None),
        ("assistant", "Red at sunset.", "openai/other-model"),
    ]
    assert data["usage"]["total_input_tokens"] == 40 and data["usage"]["total_output_tokens"] == 9
    assert data["usage"]["request_count"] == 2
    # the provider got the whole conversation, under the new model
    sent = cli.server.requests[-1].body
    assert sent["model"] == "other-model"
    assert [m["content"] for m in sent["messages"]] == ["why is the sky blue?", "Blue light scatters most.", "and at sunset?"]
    # the store: one session, four messages, two ledger rows, totals = their sums
    (summary,) = sessions(appam_home)
    u = summary.usage
    assert (summary.session_id, summary.message_count, u.total_input_tokens, u.total_output_tokens,
            u.request_count) == (sid, 4, 40, 9, 2)
    assert summary.title == "why is the sky blue?" and summary.model == "openai/other-model"
    assert [r.model for r in load(appam_home, sid).requests] == ["openai/test-model", "openai/other-model"]
    shown = cli("sessions", "show", sid, "--raw").stdout
    assert "models:   openai/test-model, openai/other-model" in shown and "usage:    40 in / 9 out tokens" in shown
    fts_ok(appam_home)


def test_continue_keeps_the_session_model_without_m(cli, appam_home):
    save(appam_home, make_session("hello", "hi", session_id=A, model="openai/kept-model"))
    result = cont(cli, "last", "more", "--raw")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "echo: more\n"  # the server echoes when nothing is scripted
    assert cli.server.requests[-1].body["model"] == "kept-model"
    assert f"session {A[:8]}" in result.stderr


def test_continue_streams_plain_or_waits_with_no_stream(cli, appam_home):
    save(appam_home, make_session(session_id=A))
    cli.server.enqueue(Reply(["Part one, ", "part two."]))
    streamed = cont(cli, A, "go on", "--model", "openai/test-model")
    assert streamed.exit_code == 0 and streamed.stdout == "Part one, part two.\n"
    assert cli.server.requests[-1].body["stream"] is True
    cli.server.enqueue(Reply("Whole answer."))
    waited = cont(cli, A, "again", "--no-stream", "--timeout", "30")
    assert waited.exit_code == 0 and waited.stdout == "Whole answer.\n"
    assert cli.server.requests[-1].body.get("stream") in (None, False)
    assert len(load(appam_home, A).messages) == 6


def test_no_arguments_continue_the_most_recent_session(cli, appam_home):
    save(appam_home, make_session("older", session_id=A))
    save(appam_home, make_session("newer", session_id=B))
    piped = cont(cli, input="from a pipe")  # no ID, no prompt: the prompt comes from stdin
    assert piped.exit_code == 0, piped.stderr
    assert [m.content for m in load(appam_home, B).messages][-2:] == ["from a pipe", "echo: from a pipe"]
    assert len(load(appam_home, A).messages) == 2


def test_sessions_continue_is_the_same_command(cli, appam_home):
    save(appam_home, make_session(session_id=A))
    result = cont(cli, "aaaa", "via sessions", "--json", command=("sessions", "continue"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["session_id"] == A and len(json.loads(result.stdout)["messages"]) == 4


def test_stdin_dash_and_piped_text_join_the_prompt(cli, appam_home):
    save(appam_home, make_session(session_id=A))
    cont(cli, A, "summarise", input="line one\nline two\n")
    cont(cli, A, "-", input="only stdin\n")
    users = [m.content for m in only_session(appam_home).messages if m.role == "user"]
    assert users[-2:] == ["summarise\n\nline one\nline two", "only stdin"]


def test_without_a_prompt_the_session_opens_in_the_repl(cli, appam_home):
    """No prompt: continue hands the resolved session to the chat REPL (tested in test_chat_pty.py);
    with nothing typed (stdin at its end) nothing is sent and nothing changes."""
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    for args in ((), (A,), ("last",), ("aaaa",)):
        result = cont(cli, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert "aaaa1111" in result.stderr and "Traceback" not in result.stderr
    assert cli.server.requests == [] and snapshot(appam_home) == before


@pytest.mark.parametrize("word", ["hello", "what about Paris?", 'say "hi" for $5', "zz"])
def test_a_lone_argument_is_an_id_and_the_error_suggests_run_c(cli, appam_home, word):
    save(appam_home, make_session(session_id=A))
    before = snapshot(appam_home)
    result = cont(cli, word)
    assert result.exit_code == 1 and result.exception is None
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("appam: no session")
    quoted = '"' + word.replace('"', '\\"').replace("$", "\\$") + '"'
    assert line.endswith(f"to continue the most recent session with a prompt, use: appam run -c {quoted}")
    assert cli.server.requests == [] and snapshot(appam_home) == before


def test_unknown_or_ambiguous_id_with_a_prompt(cli, appam_home):
    save(appam_home, make_session(session_id=A), make_session(session_id=B))
    before = snapshot(appam_home)
    unknown = cont(cli, "ffff", "a prompt")
    assert unknown.exit_code == 1 and unknown.stderr.strip() == "appam: no session matches id 'ffff'"
    ambiguous = cont(cli, "aaaa", "a prompt")
    assert ambiguous.exit_code == 1 and "ambiguous" in ambiguous.stderr and "aaaa1111-000" in ambiguous.stderr
    assert cli.server.requests == [] and snapshot(appam_home) == before


def test_no_sessions_yet(cli):
    result = cont(cli)
    assert result.exit_code == 1
    assert result.stderr.strip() == 'appam: there are no saved sessions yet: start one with appam run "PROMPT"'


def test_a_provider_error_keeps_the_session(cli, appam_home):
    save(appam_home, make_session(session_id=A))
    cli.server.enqueue(HTTPError(500))
    result = cont(cli, A, "this fails")
    assert result.exit_code == 3 and "Traceback" not in result.stderr
    (summary,) = sessions(appam_home)
    # the prompt is kept; the failed request is in the ledger
    assert (summary.status, summary.message_count, summary.usage.request_count) == ("failed", 3, 2)
    assert [m.content for m in load(appam_home, A).messages][:2] == ["why is the sky blue?", "Rayleigh scattering."]


def test_continue_honours_max_cost(cli, appam_home, write_config):
    save(appam_home, make_session(session_id=A))
    write_config('[prices."openai/test-model"]\ninput = 1000\noutput = 1000\n')
    result = cont(cli, A, "this history costs too much to send", "--max-cost", "0.001")
    assert result.exit_code == 5, result.stderr
    assert "stopped before sending" in result.stderr and cli.server.requests == []
    # nothing was sent: the session is as it was (tests/test_unsent_failures.py)
    assert [m.content for m in only_session(appam_home).messages] == ["why is the sky blue?", "Rayleigh scattering."]
    assert only_session(appam_home).status == "completed"


def test_a_session_still_being_answered_is_not_continued(cli, appam_home):
    save(appam_home, make_session(session_id=A, status="running"))  # updated just now
    before = snapshot(appam_home)
    result = cont(cli, A, "race")
    assert result.exit_code == 1 and "still being answered by another appam" in result.stderr
    assert cli.server.requests == [] and snapshot(appam_home) == before
    save(appam_home, make_session(session_id=B, status="running"), age=timedelta(minutes=5))  # a crashed run
    assert cont(cli, B, "go on", "--json").exit_code == 0


def test_run_c_refuses_a_session_still_being_answered_as_continue_does(cli, appam_home):
    save(appam_home, make_session(session_id=A, status="running"))  # the last session, updated just now
    before = snapshot(appam_home)
    result = cli.run("-c", "race")
    assert result.exit_code == 1 and "still being answered by another appam" in result.stderr
    assert cli.server.requests == [] and snapshot(appam_home) == before
