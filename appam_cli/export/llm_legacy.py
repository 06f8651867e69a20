"""Reading llm's legacy tables (``conversations`` + ``responses``, written by llm < 0.32).

Each response becomes: a system message when its system prompt differs from the one in force
(as llm itself rebuilds the history), tool results it carried back, the user prompt (with its
fragments and attachment notes), and the assistant's answer with its tool calls. Columns added
by later llm versions are read only when present.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from appam_cli.datamodel import ChatMessage, RequestRecord
from appam_cli.export.llm_common import attachment_note, columns, ledger_row, parse_time, tool_call


@dataclass
class LlmConversation:
    llm_id: str
    title: str | None = None
    model: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    parent_llm_id: str | None = None
    created_at: datetime | None = None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


class LegacyReader:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tables = _tables(conn)
        self.present = {"conversations", "responses"} <= self.tables
        self.cols = columns(conn, "responses") if self.present else set()

    def ids(self) -> list[tuple[str, str | None]]:
        """(conversation id, first response time) for every conversation with responses;
        a response outside any conversation counts as a conversation of its own."""
        if not self.present:
            return []
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT COALESCE(conversation_id, id) AS cid, MIN(datetime_utc) FROM responses GROUP BY cid"
            )
        ]

    def _col(self, name: str) -> str:
        return name if name in self.cols else f"NULL AS {name}"

    def _by_response(self, sql: str, ids: list[str]) -> dict[str, list[sqlite3.Row]]:
        out: dict[str, list[sqlite3.Row]] = defaultdict(list)
        if ids:
            marks = ", ".join("?" * len(ids))
            for row in self.conn.execute(sql.format(marks=marks), ids):
                out[row["response_id"]].append(row)
        return out

    def _fragments(self, table: str, ids: list[str]) -> dict[str, list[sqlite3.Row]]:
        if {table, "fragments"} - self.tables:
            return {}
        return self._by_response(
            f'SELECT t.response_id, f.content FROM {table} t JOIN fragments f ON f.id = t.fragment_id '
            'WHERE t.response_id IN ({marks}) ORDER BY t.response_id, t."order"',
            ids,
        )

    def _related(self, ids: list[str]) -> dict[str, dict[str, list[sqlite3.Row]]]:
        related = {
            "prompt": self._fragments("prompt_fragments", ids),
            "system": self._fragments("system_fragments", ids),
        }
        if {"tool_calls", "tool_results"} <= self.tables:
            exception = "exception" if "exception" in columns(self.conn, "tool_results") else "NULL AS exception"
            related["calls"] = self._by_response(
                "SELECT * FROM tool_calls WHERE response_id IN ({marks}) ORDER BY id", ids
            )
            related["results"] = self._by_response(
                f"SELECT response_id, name, output, tool_call_id, {exception} FROM tool_results "
                "WHERE response_id IN ({marks}) ORDER BY id",
                ids,
            )
        if {"prompt_attachments", "attachments"} <= self.tables:
            related["attachments"] = self._by_response(
                "SELECT pa.response_id, a.type, COALESCE(a.url, a.path) AS place FROM prompt_attachments pa "
                'JOIN attachments a ON a.id = pa.attachment_id WHERE pa.response_id IN ({marks}) ORDER BY pa."order"',
                ids,
            )
        return related

    def read(self, llm_id: str) -> LlmConversation:
        cols = ", ".join(
            ["id", "model", "prompt", "response", "datetime_utc"]
            + [
                self._col(c)
                for c in ("system", "duration_ms", "input_tokens", "output_tokens", "token_details", "reasoning")
            ]
        )
        rows = self.conn.execute(
            f"SELECT {cols} FROM responses WHERE COALESCE(conversation_id, id) = ? ORDER BY datetime_utc, rowid",
            (llm_id,),
        ).fetchall()
        head = self.conn.execute("SELECT name, model FROM conversations WHERE id = ?", (llm_id,)).fetchone()
        conversation = LlmConversation(llm_id=llm_id, title=head["name"] if head else None)
        related = self._related([r["id"] for r in rows])
        system_in_force = None
        for row in rows:
            when = parse_time(row["datetime_utc"])
            if when is None:
                continue
            system_in_force = self._add_response(conversation, row, when, related, system_in_force)
        conversation.model = rows[-1]["model"] if rows else (head["model"] if head else None)
        return conversation

    def _add_response(self, conv: LlmConversation, row: sqlite3.Row, when: datetime, related, system_in_force):
        rid = row["id"]
        parts = [f["content"] for f in related["system"].get(rid, [])] + [row["system"] or ""]
        system = "\n\n".join(p.strip() for p in parts if p and p.strip())
        if system and system != system_in_force:
            conv.messages.append(ChatMessage(role="system", content=system, timestamp=when))
            system_in_force = system
        for result in related.get("results", {}).get(rid, []):
            output = result["output"] or ""
            if result["exception"]:
                output = f"{output}\n{result['exception']}".strip()
            conv.messages.append(
                ChatMessage(
                    role="tool",
                    content=output,
                    tool_call_id=result["tool_call_id"],
                    name=result["name"],
                    timestamp=when,
                )
            )
        pieces = [f["content"] for f in related["prompt"].get(rid, [])] + ([row["prompt"]] if row["prompt"] else [])
        pieces += [attachment_note(a["type"], a["place"]) for a in related.get("attachments", {}).get(rid, [])]
        if pieces:
            conv.messages.append(ChatMessage(role="user", content="\n".join(pieces), timestamp=when))
        calls = [tool_call(c["name"], c["arguments"], c["tool_call_id"]) for c in related.get("calls", {}).get(rid, [])]
        conv.messages.append(
            ChatMessage(
                role="assistant",
                content=row["response"] if row["response"] or not calls else None,
                reasoning=row["reasoning"] or None,
                tool_calls=calls or None,
                timestamp=when,
                model=row["model"],
            )
        )
        conv.requests.append(ledger_row(row, when))
        return system_in_force
