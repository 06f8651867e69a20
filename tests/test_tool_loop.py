"""The tool loop through the Python API, against the loopback server (OpenAI and Anthropic formats),
through real litellm: calls run, results go back as ``tool`` messages, and the model is asked again.

Every test reads back what the store holds, row by row (``stored``), and what the server received.
"""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from provider_server import Reply

from appam_cli import Agent, SessionHistory
from appam_cli.datamodel.message import provider_messages
from appam_cli.errors import BudgetExceeded, LoopStopped
from appam_cli.tools.spec import Decision, ToolError, ToolSpec

CLAUDE = "anthropic/claude-sonnet-4-5"
SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}


def spec(name="read_file", run=None, *, side_effects=False, parameters=None, validate=None) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=f"the {name} tool",
        parameters=parameters or SCHEMA,
        side_effects=side_effects,
        source="test",
        run=run or (lambda args, ctx: f"contents of {args['path']}"),
        validate=validate,
    )


def call(name="read_file", call_id=None, **arguments) -> dict:
    out = {"name": name, "arguments": arguments}
    if call_id:
        out["id"] = call_id
    return out


@pytest.fixture
def history(tmp_path) -> SessionHistory:
    return SessionHistory(db_path=tmp_path / "s.db")


@pytest.fixture
def anthropic_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-dummy")


def agent_for(provider, history, tools, model="openai/test-model", **kwargs) -> Agent:
    base = provider.anthropic_url if model.startswith("anthropic/") else provider.url
    return Agent(model, None, tools, api_base=base, retries=0, history=history, **kwargs)


def stored(history: SessionHistory, session_id: str) -> list[tuple]:
    """(role, content, tool call names, tool_call_id, name, status) of every stored row, in order."""
    conn = sqlite3.connect(history.path)
    try:
        rows = conn.execute(
            "SELECT role, content, tool_calls, tool_call_id, name, status FROM messages "
            "WHERE session_id = ? ORDER BY position",
            (session_id,),
        ).fetchall()
    finally:
        conn.close()
    return [
        (role, content, [c["function"]["name"] for c in json.loads(calls)] if calls else None, call_id, name, status)
        for role, content, calls, call_id, name, status in rows
    ]


def ledger(history: SessionHistory, session_id: str) -> list[str]:
    conn = sqlite3.connect(history.path)
    try:
        return [r[0] for r in conn.execute("SELECT status FROM requests WHERE session_id = ? ORDER BY id", (session_id,))]
    finally:
        conn.close()


# -- the loop ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai/test-model", CLAUDE])
def test_one_call_runs_and_its_result_goes_back(provider, history, model, anthropic_key):
    provider.enqueue(Reply(tool_calls=[call(path="README.md", call_id="toolu_1")]), Reply("It says hello."))
    session = agent_for(provider, history, [spec()], model).run("what does README.md say?")

    assert session.status == "completed"
    assert stored(history, session.session_id) == [
        ("user", "what does README.md say?", None, None, None, "completed"),
        ("assistant", None, ["read_file"], None, None, "completed"),
        ("tool", "contents of README.md", None, "toolu_1", "read_file", "completed"),
        ("assistant", "It says hello.", None, None, None, "completed"),
    ]
    assert ledger(history, session.session_id) == ["completed", "completed"]
    assert session.usage.request_count == 2
    if model == CLAUDE:
        second = provider.messages_requests[1].body["messages"]
        assert second[1]["content"][-1] == {"type": "tool_use", "id": "toolu_1", "name": "read_file",
                                            "input": {"path": "README.md"}}
        assert second[2]["content"][0]["type"] == "tool_result"
        assert second[2]["content"][0]["tool_use_id"] == "toolu_1"
        assert "contents of README.md" in json.dumps(second[2]["content"][0]["content"])
        assert provider.messages_requests[0].body["tools"][0]["name"] == "read_file"
    else:
        second = provider.chat_requests[1].body["messages"]
        assert second[-1] == {"role": "tool", "content": "contents of README.md", "tool_call_id": "toolu_1",
                              "name": "read_file"}
        assert second[-2]["tool_calls"][0]["id"] == "toolu_1"
        assert provider.chat_requests[0].body["tools"][0]["function"]["name"] == "read_file"


def test_parallel_read_only_calls_run_together_and_results_keep_call_order(provider, history):
    # Each call waits for the other at a barrier: run one after the other, both would fail.
    barrier = threading.Barrier(2, timeout=10)

    def meet(args, ctx):
        barrier.wait()
        return f"read {args['path']}"

    provider.enqueue(
        Reply(tool_calls=[call(path="a", call_id="c1"), call(path="b", call_id="c2")]), Reply("both read")
    )
    session = agent_for(provider, history, [spec(run=meet)]).run("read a and b")
    assert [row[:4] for row in stored(history, session.session_id)] == [
        ("user", "read a and b", None, None),
        ("assistant", None, ["read_file", "read_file"], None),
        ("tool", "read a", None, "c1"),
        ("tool", "read b", None, "c2"),
        ("assistant", "both read", None, None),
    ]


def test_multi_step_loop_until_an_answer_calls_nothing(provider, history):
    seen: list[str] = []
    events: list[tuple] = []

    def remember(args, ctx):
        seen.append(args["path"])
        return f"#{len(seen)}"

    provider.enqueue(
        Reply(tool_calls=[call(path="one")]),
        Reply("looking further", tool_calls=[call(path="two")]),
        Reply("done: #1 #2"),
    )
    agent = agent_for(provider, history, [spec(run=remember)])
    session = (
        agent.stream("go")
        .on_tool_call(lambda c: events.append(("call", c["function"]["name"])))
        .on_tool_result(lambda o: events.append(("result", o["content"], o["status"])))
        .run()
    )
    assert seen == ["one", "two"]
    assert events == [("call", "read_file"), ("result", "#1", "ok"), ("call", "read_file"), ("result", "#2", "ok")]
    assert [(r[0], r[1]) for r in stored(history, session.session_id)] == [
        ("user", "go"), ("assistant", None), ("tool", "#1"), ("assistant", "looking further"), ("tool", "#2"),
        ("assistant", "done: #1 #2"),
    ]
    assert len(provider.chat_requests) == 3
    assert [m["role"] for m in provider.chat_requests[2].body["messages"]] == [
        "user", "assistant", "tool", "assistant", "tool"
    ]


def test_max_steps_stops_saves_everything_and_leaves_the_last_calls_unrun(provider, history):
    ran: list[str] = []
    provider.enqueue(*[Reply(tool_calls=[call(path=f"p{i}")]) for i in range(5)])
    agent = agent_for(provider, history, [spec(run=lambda a, c: ran.append(a["path"]) or "ok")], max_steps=2)
    with pytest.raises(LoopStopped) as stop:
        agent.run("loop forever")
    assert "max steps 2" in stop.value.message and "read_file" in stop.value.message
    assert stop.value.exit_code == 4
    session = stop.value.session
    assert ran == ["p0"]  # the second answer's call was never run
    assert len(provider.chat_requests) == 2
    assert [r[0] for r in stored(history, session.session_id)] == ["user", "assistant", "tool", "assistant"]
    assert ledger(history, session.session_id) == ["completed", "completed"]
    saved = history.load_session(session.session_id)
    assert saved.status == "interrupted"
    # continuing sends the answered call and leaves out the answer whose calls never ran (it said
    # nothing else: an empty assistant turn would be sent, or padded by litellm for Anthropic)
    replay = provider_messages(saved.messages)
    assert [m["role"] for m in replay] == ["user", "assistant", "tool"]
    assert all(m.get("content") != "" for m in replay if m["role"] == "assistant")


# -- failures are results ---------------------------------------------------------------------


def boom(args, ctx):
    raise RuntimeError("disk on fire")


def refuse(args, ctx):
    raise ToolError(f"no such file: {args['path']}")


@pytest.mark.parametrize(
    ("tool", "arguments", "expected", "status"),
    [
        (spec(run=boom), {"path": "x"}, "error: RuntimeError: disk on fire", "error"),
        (spec(run=refuse), {"path": "x"}, "error: no such file: x", "error"),
        (spec(), "{not json", "not valid JSON", "error"),
        (spec(), {"file": "x"}, "missing required argument path", "error"),
        (spec(), {"path": 3}, "path must be string", "error"),
        (spec(validate=lambda a: (_ for _ in ()).throw(ToolError("path is outside the allowed folders"))),
         {"path": "/etc"}, "invalid arguments: path is outside the allowed folders", "error"),
        (spec(name="other"), {"path": "x"}, "there is no tool named 'read_file'", "unavailable"),
    ],
    ids=["raises", "tool-error", "bad-json", "missing-key", "wrong-type", "validate", "unknown-tool"],
)
def test_a_failing_call_is_an_error_result_and_the_loop_goes_on(provider, history, tool, arguments, expected, status):
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    provider.enqueue(Reply(tool_calls=[{"id": "c1", "name": "read_file", "arguments": raw}]), Reply("sorry"))
    errors: list[dict] = []
    session = agent_for(provider, history, [tool]).stream("read").on_tool_error(errors.append).run()
    assert session.status == "completed" and session.last_answer() == "sorry"
    rows = stored(history, session.session_id)
    assert rows[2][0] == "tool" and rows[2][3] == "c1" and expected in rows[2][1]
    assert provider.chat_requests[1].body["messages"][-1]["content"] == rows[2][1]
    assert [e["status"] for e in errors] == [status]


def test_a_call_past_the_timeout_is_a_timeout_result(provider, history):
    release = threading.Event()

    def stuck(args, ctx):
        release.wait(30)
        return "too late"

    provider.enqueue(Reply(tool_calls=[call(path="x", call_id="c1")]), Reply("it timed out"))
    try:
        session = agent_for(provider, history, [spec(run=stuck)], tool_timeout=0.3).run("read")
    finally:
        release.set()
    rows = stored(history, session.session_id)
    assert rows[2][:2] == ("tool", "error: read_file did not finish within 0.3 s; it was stopped waiting for")
    assert session.last_answer() == "it timed out"


def test_the_tool_is_told_the_timeout(provider, history):
    provider.enqueue(Reply(tool_calls=[call(path="x")]), Reply("ok"))
    session = agent_for(provider, history, [spec(run=lambda a, c: f"timeout={c.timeout:g}")], tool_timeout=7).run("r")
    assert stored(history, session.session_id)[2][1] == "timeout=7"


def test_the_same_failing_call_three_times_in_a_row_ends_the_run(provider, history):
    provider.enqueue(*[Reply(tool_calls=[call(path="missing")]) for _ in range(5)])
    with pytest.raises(LoopStopped) as stop:
        agent_for(provider, history, [spec(run=refuse)]).run("read it")
    assert stop.value.message.startswith("stopped: read_file failed 3 times in a row with the same arguments")
    assert "no such file: missing" in stop.value.message
    session = stop.value.session
    assert len(provider.chat_requests) == 3
    assert [r[0] for r in stored(history, session.session_id)] == ["user"] + ["assistant", "tool"] * 3
    assert history.load_session(session.session_id).status == "interrupted"


def test_different_arguments_are_not_the_same_failing_call(provider, history):
    provider.enqueue(*[Reply(tool_calls=[call(path=f"missing{i}")]) for i in range(3)], Reply("gave up"))
    session = agent_for(provider, history, [spec(run=refuse)]).run("read it")
    assert session.last_answer() == "gave up" and session.status == "completed"


def test_a_huge_result_is_cut_and_the_model_told(provider, history):
    provider.enqueue(Reply(tool_calls=[call(path="x")]), Reply("ok"))
    agent = agent_for(provider, history, [spec(run=lambda a, c: "x" * 30_000)])
    session = agent.run("read")
    content = stored(history, session.session_id)[2][1]
    assert content.startswith("x" * 20_000) and content.endswith("[… 10,000 more characters not shown]")


# -- approval ---------------------------------------------------------------------------------


class Approver:
    def __init__(self, *decisions: Decision) -> None:
        self.decisions = list(decisions)
        self.asked: list[tuple[str, dict]] = []

    def decide(self, spec, arguments):
        self.asked.append((spec.name, arguments))
        return self.decisions.pop(0)


def write_tool(done: list):
    return spec("write_file", run=lambda a, c: done.append(a["path"]) or "written", side_effects=True)


def test_an_approved_side_effect_runs(provider, history):
    done: list[str] = []
    approver = Approver(Decision(True))
    provider.enqueue(Reply(tool_calls=[call("write_file", path="out.txt")]), Reply("saved it"))
    session = agent_for(provider, history, [write_tool(done)], approver=approver).run("write")
    assert done == ["out.txt"] and approver.asked == [("write_file", {"path": "out.txt"})]
    assert stored(history, session.session_id)[2][1] == "written"


def test_a_denied_call_is_not_run_the_model_is_told_and_answers(provider, history):
    done: list[str] = []
    approver = Approver(Decision(False, reason="not that file"))
    provider.enqueue(Reply(tool_calls=[call("write_file", path="out.txt")]), Reply("understood"))
    session = agent_for(provider, history, [write_tool(done)], approver=approver).run("write")
    assert done == []
    assert session.status == "completed" and session.last_answer() == "understood"
    told = provider.chat_requests[1].body["messages"][-1]
    assert told["role"] == "tool" and "not that file" in told["content"]


def test_read_only_calls_are_never_asked_about(provider, history):
    approver = Approver()
    provider.enqueue(Reply(tool_calls=[call(path="a")]), Reply("ok"))
    agent_for(provider, history, [spec()], approver=approver).run("read")
    assert approver.asked == []


def test_without_an_approver_side_effects_are_denied(provider, history):
    done: list[str] = []
    provider.enqueue(Reply(tool_calls=[call("write_file", path="out.txt")]), Reply("could not write"))
    session = agent_for(provider, history, [write_tool(done)]).run("write")
    assert done == []
    assert "could not be asked" in stored(history, session.session_id)[2][1]
    assert session.status == "completed"


def test_approval_policy_always_asks_once_per_tool(provider, history):
    from appam_cli.tools.approval import ApprovalPolicy

    done: list[str] = []
    asked: list[str] = []

    def ask(spec, arguments):
        asked.append(arguments["path"])
        return Decision(True, always=True)

    provider.enqueue(
        Reply(tool_calls=[call("write_file", path="a"), call("write_file", path="b")]),
        Reply(tool_calls=[call("write_file", path="c")]),
        Reply("all written"),
    )
    agent = agent_for(provider, history, [write_tool(done)], approver=ApprovalPolicy(ask=ask))
    agent.run("write three")
    assert done == ["a", "b", "c"] and asked == ["a"]


# -- continue, thinking blocks, budgets ---------------------------------------------------------


def test_continue_after_a_tool_session_replays_calls_and_results(provider, history):
    provider.enqueue(Reply(tool_calls=[call(path="README.md", call_id="c1")]), Reply("It says hello."))
    agent = agent_for(provider, history, [spec()])
    session = agent.run("what does README.md say?")
    provider.enqueue(Reply("you asked about README.md"))
    agent_for(provider, history, []).continue_session(session.session_id, "what did I ask?")
    assert provider.chat_requests[-1].body["messages"] == [
        {"role": "user", "content": "what does README.md say?"},
        {"role": "assistant", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "README.md"}'}}
        ]},
        {"role": "tool", "content": "contents of README.md", "tool_call_id": "c1", "name": "read_file"},
        {"role": "assistant", "content": "It says hello."},
        {"role": "user", "content": "what did I ask?"},
    ]


def test_thinking_blocks_with_signatures_go_back_before_the_tool_use(provider, history, anthropic_key):
    provider.enqueue(
        Reply(reasoning="I should read the file.", tool_calls=[call(path="README.md", call_id="toolu_1")]),
        Reply("It says hello.", reasoning="Now I know."),
    )
    session = agent_for(provider, history, [spec()], CLAUDE).run("what does README.md say?")
    second = provider.messages_requests[1].body["messages"]
    blocks = second[1]["content"]
    assert blocks[0]["type"] == "thinking"
    assert blocks[0]["thinking"] == "I should read the file."
    assert blocks[0]["signature"].startswith("sig-msg_")
    assert blocks[1]["type"] == "tool_use" and blocks[1]["id"] == "toolu_1"
    # kept on the stored message, and replayed on continue
    saved = history.load_session(session.session_id)
    assert saved.messages[1].thinking_blocks == [
        {"type": "thinking", "thinking": "I should read the file.", "signature": blocks[0]["signature"]}
    ]
    provider.enqueue(Reply("again"))
    agent_for(provider, history, [], CLAUDE).continue_session(session.session_id, "and?")
    replayed = provider.messages_requests[-1].body["messages"][1]["content"]
    assert replayed[0] == blocks[0] and replayed[1]["type"] == "tool_use"


def test_thinking_blocks_are_not_sent_to_other_providers(provider, history, anthropic_key):
    provider.enqueue(Reply(reasoning="hmm", tool_calls=[call(path="a", call_id="toolu_1")]), Reply("ok"))
    session = agent_for(provider, history, [spec()], CLAUDE).run("read")
    provider.enqueue(Reply("fine"))
    agent_for(provider, history, []).continue_session(session.session_id, "and?")
    body = provider.chat_requests[-1].body
    assert "thinking_blocks" not in json.dumps(body)
    assert body["messages"][1]["tool_calls"][0]["id"] == "toolu_1"


def test_a_budget_covers_the_whole_loop(provider, history):
    # gpt-4o-mini: $0.15 in / $0.60 out per million tokens: the first request costs about $0.015; the second's
    # prompt (~20k tokens, ~$0.003) would take it past $0.017.
    big = "word " * 20_000
    usage = {"prompt_tokens": 100_000, "completion_tokens": 10}
    provider.enqueue(
        Reply(tool_calls=[call(path="a")], usage=usage),
        Reply(tool_calls=[call(path="b")], usage=usage),
        Reply("done", usage=usage),
    )
    agent = Agent("openai/gpt-4o-mini", big, [spec()], api_base=provider.url, retries=0, history=history,
                  max_cost_usd=0.017)
    with pytest.raises(BudgetExceeded):
        agent.run("read everything")
    # the first request was sent and paid; the second would pass the cap: never sent
    assert len(provider.chat_requests) == 1
    assert 0.015 <= agent.spent_usd < 0.017
    session_id = history.list_sessions()[0].session_id
    assert [r[0] for r in stored(history, session_id)] == ["system", "user", "assistant", "tool"]


def test_plain_and_decorated_functions_are_tools(provider, history):
    from appam_cli import tool
    from appam_cli.tools.approval import ApprovalPolicy

    def word_count(text: str) -> int:
        """Count the words of a text.

        Args:
            text: the text to count
        """
        return len(text.split())

    @tool(side_effects=False)
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper()

    provider.enqueue(
        Reply(tool_calls=[{"id": "c1", "name": "word_count", "arguments": {"text": "a b c"}},
                          {"id": "c2", "name": "shout", "arguments": {"text": "hi"}}]),
        Reply("three, HI"),
    )
    # a plain function is assumed to have side effects: it runs once approved (here: --yes)
    agent = agent_for(provider, history, [word_count, shout], approver=ApprovalPolicy(approve_all=True))
    session = agent.run("count")
    assert [row[1] for row in stored(history, session.session_id)[2:4]] == ["3", "HI"]
    sent = {t["function"]["name"]: t["function"] for t in provider.chat_requests[0].body["tools"]}
    assert sent["word_count"]["parameters"]["required"] == ["text"]
    assert sent["shout"]["description"] == "Upper-case a text."


def test_an_agent_without_tools_records_calls_and_stops(provider, history):
    provider.enqueue(Reply(tool_calls=[call(path="x")]))
    session = agent_for(provider, history, []).run("read")
    assert session.status == "completed" and len(provider.chat_requests) == 1
    assert "tools" not in provider.chat_requests[0].body



def test_ctrl_c_while_a_tool_runs_keeps_the_results_so_far(provider, history):
    import _thread

    release = threading.Event()

    def interrupted(args, ctx):
        _thread.interrupt_main()  # Ctrl-C while the loop waits for this call
        release.wait(10)
        return "late"

    provider.enqueue(Reply(tool_calls=[call(path="a", call_id="c1"), call("slow", call_id="c2", path="b")]))
    agent = agent_for(provider, history, [spec(), spec("slow", run=interrupted, side_effects=True)],
                      approver=Approver(Decision(True)))
    try:
        with pytest.raises(KeyboardInterrupt):
            agent.run("read both")
    finally:
        release.set()
    (summary,) = history.list_sessions()
    assert [r[:4] for r in stored(history, summary.session_id)] == [
        ("user", "read both", None, None),
        ("assistant", None, ["read_file", "slow"], None),
        ("tool", "contents of a", None, "c1"),
    ]
    assert history.load_session(summary.session_id).status == "interrupted"


@pytest.mark.parametrize("model", ["openai/test-model", CLAUDE])
def test_the_loop_without_streaming(provider, history, model, anthropic_key):
    provider.enqueue(Reply(reasoning="read first", tool_calls=[call(path="a", call_id="toolu_9")]), Reply("done"))
    session = agent_for(provider, history, [spec()], model, stream=False).run("read")
    assert [r[:2] for r in stored(history, session.session_id)] == [
        ("user", "read"), ("assistant", None), ("tool", "contents of a"), ("assistant", "done")
    ]
    if model == CLAUDE:
        sent = provider.messages_requests[1].body["messages"][1]["content"]
        assert sent[0]["type"] == "thinking" and sent[0]["signature"].startswith("sig-")
        assert sent[1]["type"] == "tool_use"


@pytest.mark.parametrize("model", ["gemini/gemini-2.5-flash", "ollama_chat/llama3.2"])
def test_the_loop_with_gemini_and_ollama(provider, history, model, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "test-gemini-key")
    base = provider.gemini_url if model.startswith("gemini/") else provider.root_url
    provider.enqueue(Reply(tool_calls=[call(path="README.md")]), Reply("done"))
    session = Agent(model, None, [spec()], api_base=base, retries=0, history=history).run("read")
    rows = stored(history, session.session_id)
    assert [r[:2] for r in rows] == [("user", "read"), ("assistant", None), ("tool", "contents of README.md"),
                                     ("assistant", "done")]
    assert rows[2][3] and rows[2][3] == session.messages[1].tool_calls[0]["id"]  # an id even where none is sent
    body = json.dumps(provider.requests[-1].body)
    assert "contents of README.md" in body and "read_file" in body
