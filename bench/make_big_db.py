"""Generate big stores for the session benchmarks: appam's and, for comparison, llm's.

    .venv/bin/python bench/make_big_db.py OUT [--sessions 100000] [--messages 1000000]
                                              [--llm-responses 100000] [--llm-python /tmp/llmvenv/bin/python]

Writes
  OUT/appam/sessions.db   appam's store (schema made by appam's own migrations) with
                          ~1M messages in ~100k sessions, one session of 200 messages,
                          one of 2,000, and a fresh two-message one; a ledger row per answer.
  OUT/llm/logs.db         an `llm` logs database (schema made by llm's own migrations, run
                          with the Python of a venv where llm is installed) holding the same
                          number of responses in `conversations`/`responses`, one conversation
                          of 100 responses (200 messages, like the show case).
  OUT/ids.json            the ids and search words the benchmark uses.

Text is "realistic" in the way that matters to SQLite and FTS5: sentences of words drawn
with a Zipf distribution from a few hundred English and technical words, user prompts of
one to three sentences, answers of several with Markdown headings, lists and code blocks.
Rows go in with executemany() in big transactions; the full-text index is built once at the
end ('rebuild'), then its triggers are put back, as migration 2 leaves them.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

COMMON = """the of and to a in is it you that he was for on are with as his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their time
if will way about many then them write would like so these her long make thing see him two has look more day could
go come did number sound no most people my over know water than call first who may down side been now find any new
work part take get place made live where after back little only round man year came show every good me give our
under name very through just form sentence great think say help low line differ turn cause much mean before move
right boy old too same tell does set three want air well also play small end put home read hand port large spell
add even land here must big high such follow act why ask men change went light kind off need house picture try us
again animal point mother world near build self earth father head stand own page should country found answer
school grow study still learn plant cover food sun four between state keep eye never last let thought city tree
cross farm hard start might story saw far sea draw left late run while press close night real life few north
open seem together next white children begin got walk example ease paper group always music those both mark often
letter until mile river car feet care second book carry took science eat room friend began idea fish mountain stop
once base hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red list
though feel talk bird soon body dog family direct pose leave song measure door product black short numeral class
wind question happen complete ship area half rock order fire south problem piece told knew pass since top whole
king space heard best hour better true during hundred five remember step early hold west ground interest reach
fast verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map rain rule govern pull cold notice voice unit power town fine
certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done
beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special
mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide
surface deep moon island foot system busy test record boat common gold possible plane stead dry wonder laugh
thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east paint
language among""".split()

TECH = """function variable python sqlite database index query table column row schema migration transaction commit
rollback cursor connection server client request response header token model prompt stream chunk buffer cache
memory thread process async await event loop callback error exception traceback stack heap pointer compiler
interpreter runtime module package import dependency version release branch merge rebase commit diff patch
docker container kubernetes cluster node pod deployment service ingress network socket port protocol http https
json yaml toml config setting environment variable shell terminal command argument option flag parser lexer
grammar syntax semantic type class object method attribute property interface generic template macro closure
lambda iterator generator coroutine decorator context manager file path directory permission user group
encryption hash signature certificate key secret password authentication authorization session cookie browser
render layout style component state reducer hook effect router endpoint api rest graphql webhook queue worker
scheduler cron job batch pipeline dataset tensor gradient layer neuron training inference embedding vector
similarity search ranking relevance snippet highlight markdown heading paragraph bullet list code block latency
throughput benchmark profile optimize performance regression test fixture mock assertion coverage lint format
refactor rename extract inline deprecate backward compatible breaking change changelog semver tag artifact
registry mirror proxy gateway load balancer replica shard partition consistency durability isolation atomicity
postgres mysql redis kafka rabbitmq elasticsearch nginx apache linux kernel syscall signal interrupt daemon
systemd journal log metric trace span alert dashboard incident outage postmortem rollout canary feature toggle
rust golang javascript typescript java kotlin swift haskell ocaml erlang elixir clojure scala ruby perl bash
zsh fish vim emacs vscode git github gitlab bitbucket ci cd workflow action runner matrix cache artifact
quasar photosynthesis mitochondria entropy thermodynamics quantum relativity gravity orbit galaxy nebula
recipe flour butter oven simmer garlic onion tomato basil pasta risotto espresso""".split()

CODE_LANGS = ("python", "bash", "sql", "json", "javascript", "rust")


class TextMaker:
    """Sentences from a Zipf-weighted vocabulary, drawn up front into a pool for speed."""

    def __init__(self, rng: random.Random, pool_size: int = 200_000) -> None:
        vocab = COMMON + TECH
        rng.shuffle(vocab)
        # Common function words stay the most frequent, as in English text.
        vocab = [w for w in COMMON[:40]] + [w for w in vocab if w not in COMMON[:40]]
        self.vocab = vocab
        weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
        self.share = {w: weight / sum(weights) for w, weight in zip(vocab, weights, strict=True)}
        total = 0.0
        cum = []
        for w in weights:
            total += w
            cum.append(total)
        lengths = [rng.randint(6, 18) for _ in range(pool_size)]
        words = rng.choices(vocab, cum_weights=cum, k=sum(lengths))
        self.sentences: list[str] = []
        i = 0
        for n in lengths:
            chunk = words[i : i + n]
            i += n
            chunk[0] = chunk[0].capitalize()
            self.sentences.append(" ".join(chunk) + rng.choice(".....?!"))
        self.rng = rng

    def word_in(self, fraction: float, words_per_message: float = 45) -> str:
        """A technical word expected in about ``fraction`` of the messages."""
        def found(w: str) -> float:
            return 1 - (1 - self.share[w]) ** words_per_message

        return min((w for w in TECH if w in self.share), key=lambda w: abs(found(w) - fraction))

    def sentences_(self, n: int) -> str:
        pick = self.rng.choice
        return " ".join(pick(self.sentences) for _ in range(n))

    def prompt(self) -> str:
        return self.sentences_(self.rng.randint(1, 3))

    def answer(self) -> str:
        rng = self.rng
        parts = []
        if rng.random() < 0.3:
            parts.append("## " + rng.choice(self.sentences).rstrip(".?!"))
        parts.append(self.sentences_(rng.randint(1, 4)))
        if rng.random() < 0.4:
            parts.append("\n".join("- " + rng.choice(self.sentences) for _ in range(rng.randint(2, 5))))
        if rng.random() < 0.25:
            lang = rng.choice(CODE_LANGS)
            body = "\n".join(
                f"{rng.choice(self.vocab)}_{rng.choice(self.vocab)} = {rng.choice(self.vocab)}({rng.randint(0, 99)})"
                for _ in range(rng.randint(2, 8))
            )
            parts.append(f"```{lang}\n{body}\n```")
        if rng.random() < 0.5:
            parts.append(self.sentences_(rng.randint(1, 3)))
        return "\n\n".join(parts)


def db_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


MODELS = ("gpt-4o-mini", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash", "ollama/llama3.2", "gpt-4o")
AGENTS = ("default",) * 17 + ("coder", "writer", "research")
STATUSES = ("completed",) * 46 + ("interrupted", "interrupted", "failed", "running")

SESSION_SQL = (
    "INSERT INTO sessions (id, agent_name, model, title, status, parent_id, started_at, ended_at, updated_at, "
    "message_count, input_tokens, output_tokens, cache_creation_tokens, cache_read_tokens, reasoning_tokens, "
    "cost_usd, request_count, unpriced_requests, estimated_requests) "
    "VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, 0, 0)"
)
MESSAGE_SQL = (
    "INSERT INTO messages (session_id, position, role, content, reasoning, tool_calls, tool_call_id, name, model, "
    "status, created_at) VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, 'completed', ?)"
)
REQUEST_SQL = (
    "INSERT INTO requests (session_id, agent_name, model, started_at, duration_ms, ttft_ms, status, input_tokens, "
    "output_tokens, cache_creation_tokens, cache_read_tokens, reasoning_tokens, cost_usd, usage_estimated, imported) "
    "VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, 0, 0, 0, ?, 0, 0)"
)


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_session(sid: str, count: int, start: datetime, text: TextMaker, rng: random.Random, batches: dict) -> None:
    model = rng.choice(MODELS)
    agent = rng.choice(AGENTS)
    when = start
    tokens_in = tokens_out = 0
    cost = 0.0
    context = 0
    title = None
    requests = 0
    for position in range(count):
        role = "user" if position % 2 == 0 else "assistant"
        content = text.prompt() if role == "user" else text.answer()
        if title is None:
            title = " ".join(content.split())[:60]
        when += timedelta(seconds=rng.randint(5, 90))
        answered_by = model if role == "assistant" else None
        batches["messages"].append((sid, position, role, content, answered_by, db_time(when)))
        context += len(content) // 4
        if role == "assistant":
            i, o = context, len(content) // 4
            c = i * 0.15e-6 + o * 0.6e-6
            batches["requests"].append(
                (sid, agent, model, db_time(when), rng.randint(300, 9000), rng.randint(100, 900), i, o, c)
            )
            tokens_in += i
            tokens_out += o
            cost += c
            requests += 1
    status = rng.choice(STATUSES)
    batches["sessions"].append(
        (
            sid,
            agent,
            model,
            title,
            status,
            db_time(start),
            db_time(when),
            db_time(when),
            count,
            tokens_in,
            tokens_out,
            cost,
            requests,
        )
    )


def flush(conn: sqlite3.Connection, batches: dict) -> None:
    conn.execute("BEGIN")
    conn.executemany(SESSION_SQL, batches["sessions"])
    conn.executemany(MESSAGE_SQL, batches["messages"])
    conn.executemany(REQUEST_SQL, batches["requests"])
    conn.execute("COMMIT")
    for rows in batches.values():
        rows.clear()


def make_appam(path: Path, sessions: int, messages: int, text: TextMaker, rng: random.Random) -> dict:
    from appam_cli.store import db
    from appam_cli.store.schema import FTS_TABLE

    if path.exists():
        raise SystemExit(f"{path} exists: remove it first")
    db.connect(path).close()  # appam's own migrations make the schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'messages_fts%'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")

    now = datetime.now(UTC)
    span = timedelta(days=365).total_seconds()
    starts = sorted(now - timedelta(seconds=rng.uniform(3600, span)) for _ in range(sessions))
    mean_pairs = max(1, messages // sessions // 2)
    batches: dict[str, list] = {"sessions": [], "messages": [], "requests": []}
    ids = {}
    total = 0
    for start in starts:
        count = 2 * rng.randint(1, 2 * mean_pairs - 1)
        build_session(new_id(rng), count, start, text, rng, batches)
        total += count
        if len(batches["messages"]) >= 200_000:
            flush(conn, batches)
    for name, count, age in (("show200", 200, 7200), ("continue2000", 2000, 5400), ("fresh", 2, 1800)):
        sid = new_id(rng)
        build_session(sid, count, now - timedelta(seconds=age + 90 * count), text, rng, batches)  # ends in the past
        ids[name] = sid
        total += count
    flush(conn, batches)
    conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    ids["messages"] = total
    ids["sessions"] = sessions + 3
    return ids


LLM_MIGRATE = "import sys, sqlite_utils, llm.migrations; llm.migrations.migrate(sqlite_utils.Database(sys.argv[1]))"


def ulid_like(rng: random.Random, when: datetime) -> str:
    """A ULID-shaped id (time prefix + randomness, Crockford base32), as llm uses."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    value = (int(when.timestamp() * 1000) << 80) | rng.getrandbits(80)
    return "".join(alphabet[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def make_llm(path: Path, responses: int, llm_python: str, text: TextMaker, rng: random.Random) -> dict:
    if path.exists():
        raise SystemExit(f"{path} exists: remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([llm_python, "-c", LLM_MIGRATE, str(path)], check=True)  # llm's own schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    now = datetime.now(UTC)
    span = timedelta(days=365).total_seconds()
    conversations, rows = [], []
    big = 100
    starts = sorted(now - timedelta(seconds=rng.uniform(3600, span)) for _ in range(responses - big))
    cid_big = None

    def add(cid: str, when: datetime, model: str) -> None:
        prompt, answer = text.prompt(), text.answer()
        rows.append(
            (
                ulid_like(rng, when),
                model,
                prompt,
                None,
                "{}",
                answer,
                cid,
                rng.randint(300, 9000),
                when.isoformat(),
                len(prompt) // 4,
                len(answer) // 4,
            )
        )

    for when in starts:  # one response per conversation, as most `llm "prompt"` calls are
        cid = ulid_like(rng, when)
        model = rng.choice(MODELS)
        conversations.append((cid, " ".join(text.prompt().split())[:30], model))
        add(cid, when, model)
    when = now - timedelta(hours=2)
    cid_big = ulid_like(rng, when)
    conversations.append((cid_big, "a long conversation", "gpt-4o-mini"))
    for _ in range(big):
        when += timedelta(seconds=rng.randint(20, 90))
        add(cid_big, when, "gpt-4o-mini")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO conversations (id, name, model) VALUES (?, ?, ?)", conversations)
    conn.executemany(
        "INSERT INTO responses (id, model, prompt, system, options_json, response, conversation_id, duration_ms, "
        "datetime_utc, input_tokens, output_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")  # llm's own triggers filled responses_fts
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"llm_cid": cid_big, "llm_responses": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--llm-responses", type=int, default=100_000)
    parser.add_argument("--llm-python", default="/tmp/llmvenv/bin/python", help="A Python that can `import llm`.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    text = TextMaker(rng)
    ids = make_appam(args.out / "appam" / "sessions.db", args.sessions, args.messages, text, rng)
    print(f"appam: {ids['sessions']:,} sessions, {ids['messages']:,} messages in {time.perf_counter() - started:.0f} s")
    # Search words: one in about 1% of the messages, one in about 15% of them.
    ids["word_rare"] = text.word_in(0.01)
    ids["word_common"] = text.word_in(0.15)
    if Path(args.llm_python).exists():
        t = time.perf_counter()
        ids.update(make_llm(args.out / "llm" / "logs.db", args.llm_responses, args.llm_python, text, rng))
        print(f"llm: {ids['llm_responses']:,} responses in {time.perf_counter() - t:.0f} s")
    else:
        print(f"llm: skipped ({args.llm_python} not found; see bench/README.md)", file=sys.stderr)
    (args.out / "ids.json").write_text(json.dumps(ids, indent=2))
    print(f"ids in {args.out / 'ids.json'}")


if __name__ == "__main__":
    main()
