"""Reading llm's message store (``threads`` / ``turns`` / ``messages`` / ``parts``, llm >= 0.32).

A thread points at its newest message; messages link to their parent, so the conversation
is the chain from that tip back to the root. Messages carry no time: each gets the time of
the first turn (one model call) whose chain reaches it, and an assistant message the model
of the turn that produced it. A message's parts become appam fields: text -> content,
reasoning -> reasoning (redacted reasoning has no text), tool_call -> tool_calls (OpenAI
shape), each tool_result -> its own ``tool`` message, attachments -> a note in the text.
Text stored as fragment references is resolved from ``fragments``.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime

from appam_cli.datamodel import ChatMessage
from appam_cli.datamodel.times import utcnow
from appam_cli.export.llm_common import attachment_note, ledger_row, parse_time, tool_call
from appam_cli.export.llm_legacy import LlmConversation

_CHAIN = """
WITH RECURSIVE chain(hash, parent_hash, role, depth) AS (
  SELECT hash, parent_hash, role, 0 FROM messages WHERE hash = ?
  UNION ALL
  SELECT m.hash, m.parent_hash, m.role, c.depth + 1 FROM messages m JOIN chain c ON m.hash = c.parent_hash
)
SELECT hash, parent_hash, role FROM chain ORDER BY depth DESC
"""


class ThreadReader:
    def __init__(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        self.conn = conn
        self.present = {"threads", "turns", "messages", "parts"} <= tables
        self.has_fragments = "fragments" in tables
        self.has_attachments = "attachments" in tables

    def ids(self) -> list[tuple[str, str | None]]:
        """(thread id, first turn time) for every thread that has a message."""
        if not self.present:
            return []
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT t.id, COALESCE((SELECT MIN(datetime_utc) FROM turns WHERE thread_id = t.id), t.datetime_utc) "
                "FROM threads t WHERE t.tip_message_hash IS NOT NULL"
            )
        ]

    def read(self, thread_id: str) -> LlmConversation:
        head = self.conn.execute("SELECT * FROM threads WHERE id = ?", (thread_id,)).fetchone()
        chain = self.conn.execute(_CHAIN, (head["tip_message_hash"],)).fetchall()
        parent_of = {r["hash"]: r["parent_hash"] for r in chain}
        turns = self.conn.execute(
            "SELECT * FROM turns WHERE thread_id = ? ORDER BY datetime_utc, rowid", (thread_id,)
        ).fetchall()
        conv = LlmConversation(
            llm_id=thread_id,
            title=head["name"],
            parent_llm_id=head["forked_from"],
            created_at=parse_time(head["datetime_utc"]),
        )
        when: dict[str, datetime] = {}
        model: dict[str, str] = {}
        for turn in turns:
            started = parse_time(turn["datetime_utc"])
            if started is None:
                continue
            conv.requests.append(ledger_row(turn, started))
            conv.model = turn["model"]
            node = turn["tip_message_hash"]
            while node in parent_of and node != turn["parent_message_hash"]:  # what this turn produced
                model.setdefault(node, turn["model"])
                node = parent_of[node]
            node = turn["tip_message_hash"]
            while node in parent_of and node not in when:  # first recorded by this turn
                when[node] = started
                node = parent_of[node]
        fallback = conv.created_at or (min(when.values()) if when else None)
        parts = self._parts([r["hash"] for r in chain])
        for row in chain:
            stamp = when.get(row["hash"]) or fallback
            conv.messages.extend(_convert(row["role"], parts.get(row["hash"], []), stamp, model.get(row["hash"])))
        return conv

    def _parts(self, hashes: list[str]) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        rows = []
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            marks = ", ".join("?" * len(batch))
            rows += self.conn.execute(
                f"SELECT message_hash, type, text, payload FROM parts WHERE message_hash IN ({marks}) "
                "ORDER BY message_hash, position",
                batch,
            ).fetchall()
        fragment_ids: set[int] = set()
        decoded = []
        for row in rows:
            payload = json.loads(row["payload"]) if row["payload"] else {}
            payload["type"] = row["type"]
            if row["text"] is not None:
                payload["text"] = row["text"]
            fragment_ids.update(p["fragment"] for p in payload.get("text_ref") or [] if "fragment" in p)
            decoded.append((row["message_hash"], payload))
        fragments = self._fragments(fragment_ids)
        for message_hash, payload in decoded:
            if "text_ref" in payload:
                payload["text"] = "".join(
                    p["literal"] if "literal" in p else fragments.get(p.get("fragment"), "")
                    for p in payload["text_ref"]
                )
            out[message_hash].append(payload)
        return out

    def _fragments(self, ids: set[int]) -> dict[int, str]:
        if not ids or not self.has_fragments:
            return {}
        marks = ", ".join("?" * len(ids))
        return {
            r[0]: r[1] for r in self.conn.execute(f"SELECT id, content FROM fragments WHERE id IN ({marks})", list(ids))
        }


def _attachment(payload: dict) -> str:
    attachment = payload.get("attachment") or {}
    return attachment_note(attachment.get("type"), attachment.get("url") or attachment.get("path"))


def _convert(role: str, parts: list[dict], when: datetime | None, model: str | None) -> list[ChatMessage]:
    """One llm message (role + parts) as appam messages: tool results each become their own."""
    if role == "tool":
        return [
            ChatMessage(
                role="tool",
                content=(p.get("output") or "") + (f"\n{p['exception']}" if p.get("exception") else ""),
                tool_call_id=p.get("tool_call_id"),
                name=p.get("name"),
                timestamp=when or utcnow(),
            )
            for p in parts
            if p["type"] == "tool_result"
        ]
    texts = [p.get("text") or "" for p in parts if p["type"] == "text"]
    texts += [_attachment(p) for p in parts if p["type"] == "attachment"]
    reasoning = "\n".join(p["text"] for p in parts if p["type"] == "reasoning" and p.get("text"))
    calls = [
        tool_call(p.get("name", ""), p.get("arguments"), p.get("tool_call_id"))
        for p in parts
        if p["type"] == "tool_call"
    ]
    content = "\n".join(texts)
    if role not in ("system", "user", "assistant"):
        role = "user"
    return [
        ChatMessage(
            role=role,
            content=content if content or not calls else None,
            reasoning=reasoning or None,
            tool_calls=calls or None,
            model=model if role == "assistant" else None,
            timestamp=when or utcnow(),
        )
    ]
