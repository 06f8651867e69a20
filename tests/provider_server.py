"""A loopback HTTP server that speaks the OpenAI chat-completions protocol (and Anthropic's messages,
Gemini's generateContent and Ollama's /api/chat).

Used by the test suite (through the ``provider_server`` / ``provider`` fixtures in
``conftest.py``) and by the benchmarks in ``bench/``. Standard library only, so it
starts in a few milliseconds and never needs the network.

Usage::

    with ProviderServer() as server:
        server.enqueue(Reply("Hello there"), HTTPError(429, headers={"Retry-After": "1"}))
        litellm.completion(model="openai/test-model", api_base=server.url, api_key="sk-test", ...)
        server.requests[-1].body["messages"]

Each received ``POST /v1/chat/completions`` (or ``/chat/completions``) takes the next
scripted response from a FIFO queue; when the queue is empty the answer is an echo of the
last user message. The request's ``stream`` flag decides between an SSE stream and one
JSON ``chat.completion`` object, for every response type.

``POST /v1/messages`` speaks the Anthropic messages protocol with the same scripted responses
(``tests/anthropic_protocol.py``): pass ``server.anthropic_url`` (the root URL: litellm appends
``/v1/messages``) as api_base with ``anthropic/<name>`` models. Errors there take Anthropic's shape.

``POST {base}/models/{model}:streamGenerateContent?alt=sse`` and ``:generateContent`` speak the
Gemini API (``tests/gemini_protocol.py``; api_base ``server.gemini_url`` with ``gemini/<name>``
models), and ``POST /api/chat`` speaks Ollama's NDJSON chat (``tests/ollama_protocol.py``; api_base
``server.root_url`` with ``ollama_chat/<name>``). The same scripted responses serve every protocol,
and errors take each provider's own shape. A ``response_format`` that is not in the shape OpenAI's
API reference gives (or an Anthropic ``output_format`` / tool ``input_schema`` that is not an object
schema) is refused with a 400, as the provider would refuse it. Every request is logged (``server.requests``); its
``public_headers`` hide the key headers, ``api_key`` tells which key was sent.

Standalone, for manual trials and benchmarks::

    python tests/provider_server.py --port 8765 [--tokens N] [--chunk-delay S]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

try:  # tests/ on sys.path, or run as a script
    import anthropic_protocol as anthropic
    import gemini_protocol as gemini
    import ollama_protocol as ollama
except ImportError:  # tests/ imported as a package
    from tests import anthropic_protocol as anthropic
    from tests import gemini_protocol as gemini
    from tests import ollama_protocol as ollama

__all__ = [
    "DEFAULT",
    "Drop",
    "HTTPError",
    "Hang",
    "ProviderServer",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Response",
    "auth_error",
    "context_window_error",
    "echo_reply",
    "error_body",
    "long_reply",
    "markdown_document",
    "model_not_found_error",
    "rate_limit_error",
    "rough_tokens",
    "server_error",
    "split_words",
]

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")
WORDS_PER_CHUNK = 3
# Before a mid-stream reset: pause so the client reads the chunks already sent (an RST
# makes the peer discard received-but-unread data).
DROP_GRACE = 0.05


class _DefaultUsage:
    """Sentinel: compute small plausible usage counts from the request and the reply."""

    _instance: _DefaultUsage | None = None

    def __new__(cls) -> _DefaultUsage:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _DefaultUsage()


# --------------------------------------------------------------------------- responses


@dataclass
class Reply:
    """A successful answer, streamed as SSE or returned as one JSON object.

    text: a str is split into chunks of a few words; a list is sent chunk by chunk.
    reasoning: sent before the text as ``delta.reasoning_content`` (same splitting rules).
    tool_calls: OpenAI shape ``{"id", "type": "function", "function": {"name", "arguments"}}``
        or the shorthand ``{"name": ..., "arguments": dict | str}``; ``id`` defaults to
        ``call_<n>``. Arguments are streamed split across several chunks.
    usage: dict sent as-is in the final usage chunk, ``DEFAULT`` for computed counts,
        ``None`` for no usage chunk at all.
    finish_reason: sent on the last (empty-delta) chunk. ``None``: no chunk carries one
        (the stream still ends cleanly). With tool calls, "stop" becomes "tool_calls".
    chunk_delay: seconds slept between chunks. first_byte_delay: before the headers.
    drop_after: reset the TCP connection after that many content chunks (reasoning, text
        or tool-call chunks; the initial role chunk does not count). No finish, usage or
        [DONE] is sent. For a non-streamed request: reset midway through the JSON body.
    send_done: send ``data: [DONE]`` at the end.
    model: the ``model`` field of the answer (default: the model the request named).
    headers: extra response headers (OpenAI protocol), e.g. what a LiteLLM proxy adds:
        ``x-litellm-model-name`` (the model that really answered) and ``x-litellm-response-cost``;
        a proxy's reported cost in a stream comes as ``usage={"cost": …, …}`` in the usage chunk.
    """

    text: str | list[str] = ""
    reasoning: str | list[str] | None = None
    tool_calls: list[dict] | None = None
    usage: dict | None = DEFAULT
    finish_reason: str | None = "stop"
    chunk_delay: float = 0.0
    first_byte_delay: float = 0.0
    drop_after: int | None = None
    send_done: bool = True
    model: str | None = None
    headers: dict | None = None
    # An error inside a 200 stream, before any content, then the stream stays open until the client
    # lets go. Anthropic: after message_start and ping, an ``event: error`` of this type (e.g.
    # "overloaded_error"). Gemini: a ``data:`` error object of this status (e.g. "UNAVAILABLE").
    # Ollama: an ``{"error": <this text>}`` line. OpenAI: after the role chunk, a ``data:`` line holding
    # an error object of this type (e.g. "server_error") and no choices.
    error_event: str | None = None

    _kind: ClassVar[str] = "reply"

    def __post_init__(self) -> None:
        if self.tool_calls and self.finish_reason == "stop":
            self.finish_reason = "tool_calls"

    @property
    def full_text(self) -> str:
        return self.text if isinstance(self.text, str) else "".join(self.text)

    @property
    def full_reasoning(self) -> str | None:
        if self.reasoning is None:
            return None
        return self.reasoning if isinstance(self.reasoning, str) else "".join(self.reasoning)


@dataclass
class HTTPError:
    """An HTTP error answer. ``body`` None builds an OpenAI-shaped error body from the status;
    a dict is sent as JSON; a str is sent verbatim (text/plain unless headers say otherwise)."""

    status: int
    body: dict | str | None = None
    headers: dict | None = None

    _kind: ClassVar[str] = "http_error"


@dataclass
class Hang:
    """Accept the request and sleep ``seconds`` before answering with ``then``
    (the echo default when None). ``stop()`` cuts the sleep short."""

    seconds: float
    then: Response | None = None

    _kind: ClassVar[str] = "hang"


@dataclass
class Drop:
    """Read the request, then reset the connection without sending a single byte
    (a failure *before* the first byte, the retryable kind)."""

    _kind: ClassVar[str] = "drop"


@dataclass
class Raw:
    """Any answer, sent as given: a status, a content type and a body that need not be the protocol
    (a proxy's HTML page, garbage, an SSE stream holding bad JSON). ``chunked`` sends the body with
    ``Transfer-Encoding: chunked`` (as a stream arrives) instead of with a ``Content-Length``."""

    body: str | bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict | None = None
    chunked: bool = False

    _kind: ClassVar[str] = "raw"


Response = Reply | HTTPError | Hang | Drop | Raw


_ERROR_DEFAULTS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: (
        "Incorrect API key provided: sk-****. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    403: ("You are not allowed to access this resource.", "invalid_request_error", "permission_denied"),
    404: (
        "The model `{model}` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    ),
    408: ("Request timed out.", "timeout", None),
    422: ("Unprocessable entity.", "invalid_request_error", None),
    429: (
        "Rate limit reached for {model} in organization org-test on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 1s.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
    504: ("Gateway timeout.", "server_error", None),
}


def error_body(status: int, model: str = "test-model") -> dict:
    """The OpenAI-shaped error body the server sends for ``HTTPError(status)`` with no body."""
    message, type_, code = _ERROR_DEFAULTS.get(
        status, (f"HTTP {status} error.", "server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {"error": {"message": message.format(model=model), "type": type_, "param": None, "code": code}}


def _stream_error(type_: str) -> dict:
    """An OpenAI error object sent as a ``data:`` line inside a 200 stream (no ``choices``): the
    default message of the first status whose error has this type."""
    message = next((m for m, t, _ in _ERROR_DEFAULTS.values() if t == type_), "An error occurred.")
    return {"error": {"message": message, "type": type_, "param": None, "code": None}}


def context_window_error(max_tokens: int = 8192, requested: int = 12000) -> HTTPError:
    """400 context_length_exceeded, worded as OpenAI words it (litellm maps it to
    ContextWindowExceededError)."""
    message = (
        f"This model's maximum context length is {max_tokens} tokens. However, your messages "
        f"resulted in {requested} tokens. Please reduce the length of the messages."
    )
    return HTTPError(
        400,
        {"error": {"message": message, "type": "invalid_request_error", "param": "messages",
                   "code": "context_length_exceeded"}},
    )


def rate_limit_error(retry_after: float | int | None = 1) -> HTTPError:
    """429 with a ``Retry-After`` header (omitted when None)."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return HTTPError(429, headers=headers)


def auth_error() -> HTTPError:
    return HTTPError(401)


def model_not_found_error() -> HTTPError:
    return HTTPError(404)


def server_error(status: int = 500) -> HTTPError:
    return HTTPError(status)


# --------------------------------------------------------------------------- text helpers

_PIECE = re.compile(r"\S+\s*|\s+")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def rough_tokens(text: str) -> int:
    """A rough token count: words plus punctuation marks."""
    return len(_TOKEN.findall(text or ""))


def _words(text: str) -> int:
    return len((text or "").split())


def split_words(text: str, words_per_chunk: int = WORDS_PER_CHUNK) -> list[str]:
    """Split text into chunks of a few words; ``"".join(result) == text``."""
    pieces = _PIECE.findall(text)
    return ["".join(pieces[i:i + words_per_chunk]) for i in range(0, len(pieces), words_per_chunk)]


def _split_parts(s: str, parts: int = 4) -> list[str]:
    """Split a string into about ``parts`` fragments (for tool-call arguments)."""
    if not s:
        return []
    size = max(1, -(-len(s) // parts))
    return [s[i:i + size] for i in range(0, len(s), size)]


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    out.append(part["text"])
            elif isinstance(part, str):
                out.append(part)
        return " ".join(out)
    return str(content)


def _prompt_words(body: dict) -> int:
    total = 0
    for msg in body.get("messages") or []:
        if isinstance(msg, dict):
            total += _words(_content_text(msg.get("content")))
            for tc in msg.get("tool_calls") or []:
                if isinstance(tc, dict):
                    total += _words(str((tc.get("function") or {}).get("arguments", "")))
    return max(1, total)


def _last_user_text(body: dict) -> str:
    for msg in reversed(body.get("messages") or []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            return _content_text(msg.get("content"))
    return ""


def echo_reply(body: dict) -> Reply:
    """The default answer: ``echo: <last user message>``."""
    return Reply(f"echo: {_last_user_text(body)}")


# --------------------------------------------------------------------------- markdown document

_VOCAB = (
    "the a of and to in is that for it with as on was by this be are from or at an which "
    "stream token model server request answer client latency buffer render markdown table "
    "session cache usage provider message history query index value result error retry "
    "network socket chunk parser layout terminal window cursor width height column row "
    "quickly slowly carefully simply often rarely always never usually really"
).split()

_LANGS = ("python", "bash", "json", "sql")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VOCAB) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.25:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}`"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _bullets(rng: random.Random, ordered: bool) -> str:
    lines = []
    for i in range(rng.randint(3, 5)):
        mark = f"{i + 1}." if ordered else "-"
        lines.append(f"{mark} {_sentence(rng)}")
        if not ordered and rng.random() < 0.3:
            lines.append(f"  - {_sentence(rng)}")
    return "\n".join(lines)


def _table(rng: random.Random) -> str:
    cols = ["Name", "Tokens", "Latency (ms)", "Status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] * len(cols)) + "|"]
    for _ in range(rng.randint(3, 5)):
        lines.append(
            f"| {rng.choice(_VOCAB)}-{rng.randint(1, 99)} | {rng.randint(10, 9999)} | "
            f"{rng.randint(1, 999)}.{rng.randint(0, 9)} | {rng.choice(['ok', 'failed', 'retry'])} |"
        )
    return "\n".join(lines)


def _code(rng: random.Random, n: int) -> str:
    lang = _LANGS[n % len(_LANGS)]
    if lang == "python":
        body = (
            f"def step_{n}(items: list[int]) -> int:\n"
            f"    \"\"\"Sum the items above {n}.\"\"\"\n"
            f"    total = 0\n"
            f"    for item in items:\n"
            f"        if item > {n}:\n"
            f"            total += item * {rng.randint(2, 9)}\n"
            f"    return total"
        )
    elif lang == "bash":
        body = (
            f"for i in $(seq 1 {rng.randint(3, 20)}); do\n"
            f"  echo \"run $i\" >> log_{n}.txt\n"
            f"done\n"
            f"grep -c run log_{n}.txt"
        )
    elif lang == "json":
        body = json.dumps(
            {"id": n, "name": rng.choice(_VOCAB), "tags": [rng.choice(_VOCAB) for _ in range(3)],
             "ok": rng.random() < 0.5},
            indent=2,
        )
    else:
        body = (
            f"SELECT model, SUM(tokens) AS total\n"
            f"FROM requests\n"
            f"WHERE day >= DATE('now', '-{rng.randint(1, 30)} days')\n"
            f"GROUP BY model\n"
            f"ORDER BY total DESC;"
        )
    return f"```{lang}\n{body}\n```"


def markdown_document(tokens: int) -> str:
    """A deterministic markdown document of about ``tokens`` tokens (``rough_tokens``):
    headings, paragraphs, bullet and numbered lists, tables, code fences and quotes.
    Blocks are whole (never a cut fence or table); it stops at the first block that
    reaches the budget, so it overshoots by at most one block (~100 tokens)."""
    rng = random.Random(tokens * 7919 + 17)
    blocks: list[str] = ["# Benchmark document", _paragraph(rng)]
    used = rough_tokens("\n\n".join(blocks))
    kinds = ("heading", "paragraph", "bullets", "paragraph", "table", "code", "numbered",
             "paragraph", "quote", "code", "subheading", "paragraph")
    n = 0
    while used < tokens:
        kind = kinds[n % len(kinds)]
        n += 1
        if kind == "heading":
            block = f"## Section {n // len(kinds) + 1}: {rng.choice(_VOCAB)} {rng.choice(_VOCAB)}"
        elif kind == "subheading":
            block = f"### Notes on {rng.choice(_VOCAB)}"
        elif kind == "paragraph":
            block = _paragraph(rng)
        elif kind == "bullets":
            block = _bullets(rng, ordered=False)
        elif kind == "numbered":
            block = _bullets(rng, ordered=True)
        elif kind == "table":
            block = _table(rng)
        elif kind == "code":
            block = _code(rng, n)
        else:
            block = "> " + _sentence(rng) + "\n> " + _sentence(rng)
        blocks.append(block)
        used += rough_tokens(block)
    return "\n\n".join(blocks) + "\n"


def long_reply(tokens: int, words_per_chunk: int = WORDS_PER_CHUNK, **kwargs: Any) -> Reply:
    """A Reply streaming ``markdown_document(tokens)`` a few tokens per chunk.
    Extra keyword arguments go to ``Reply`` (chunk_delay, usage, drop_after, ...)."""
    return Reply(text=split_words(markdown_document(tokens), words_per_chunk), **kwargs)


# --------------------------------------------------------------------------- structured output

_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def response_format_problem(body: dict) -> str | None:
    """What is wrong with a chat request's ``response_format`` by OpenAI's API reference (None: nothing,
    or none given): ``{"type": "text"}``, ``{"type": "json_object"}`` or ``{"type": "json_schema",
    "json_schema": {"name", "description"?, "schema"?, "strict"?}}``, the name of a-z, A-Z, 0-9, _ and -,
    at most 64 characters."""
    value = body.get("response_format")
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in ("text", "json_object", "json_schema"):
        return "Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'."
    if value["type"] != "json_schema":
        return None if set(value) == {"type"} else "Unknown parameter in 'response_format'."
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        return "Missing required parameter: 'response_format.json_schema'."
    unknown = set(spec) - {"name", "description", "schema", "strict"}
    if unknown:
        return f"Unknown parameter: 'response_format.json_schema.{sorted(unknown)[0]}'."
    if not isinstance(spec.get("name"), str) or not _SCHEMA_NAME.match(spec["name"]):
        return "Invalid 'response_format.json_schema.name': a-z, A-Z, 0-9, underscores and dashes, at most 64."
    if "schema" in spec and not isinstance(spec["schema"], dict):
        return "Invalid type for 'response_format.json_schema.schema': expected an object."
    if spec.get("strict") not in (None, True, False):
        return "Invalid type for 'response_format.json_schema.strict': expected a boolean."
    return None


def anthropic_format_problem(body: dict) -> str | None:
    """Anthropic's messages API: a tool's ``input_schema`` is a JSON Schema object of type object, and
    ``output_format`` (structured outputs) is ``{"type": "json_schema", "schema": {...}}``."""
    for tool in body.get("tools") or []:
        schema = tool.get("input_schema") if isinstance(tool, dict) else None
        if isinstance(tool, dict) and "input_schema" in tool and (
            not isinstance(schema, dict) or schema.get("type") != "object"
        ):
            return "tools.0.custom.input_schema.type: Input should be 'object'"
    output = body.get("output_format")
    if output is not None and (
        not isinstance(output, dict) or output.get("type") != "json_schema" or not isinstance(output.get("schema"), dict)
    ):
        return "output_format: expected {'type': 'json_schema', 'schema': {...}}"
    return None


# --------------------------------------------------------------------------- request log


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    body: Any  # parsed JSON (None when the body was empty or not JSON)
    raw: bytes = b""
    time: float = field(default_factory=time.time)
    proxied_for: str | None = None  # the host a client asked this server, as its HTTP proxy, to reach

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages") or [] if isinstance(self.body, dict) else []

    @property
    def stream(self) -> bool:
        if self.protocol == "gemini":
            return ":streamGenerateContent" in self.path
        if self.protocol == "ollama":
            return bool(isinstance(self.body, dict) and self.body.get("stream", True))
        return bool(isinstance(self.body, dict) and self.body.get("stream"))

    @property
    def protocol(self) -> str:
        """openai, anthropic, gemini or ollama: which API the path belongs to."""
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in anthropic.MESSAGES_PATHS:
            return "anthropic"
        if gemini.match(path):
            return "gemini"
        if path == ollama.CHAT_PATH:
            return "ollama"
        return "openai"

    @property
    def api_key(self) -> str | None:
        """The key the client sent, in whichever header (or query parameter) its API uses."""
        for name in KEY_HEADERS:
            value = self.headers.get(name)
            if value:
                return value.removeprefix("Bearer ").strip()
        match = re.search(r"[?&]key=([^&]*)", self.path)
        return match.group(1) if match else None

    @property
    def public_headers(self) -> dict[str, str]:
        """The headers with every key hidden: what a test may print or keep."""
        return {k: ("<hidden>" if k in KEY_HEADERS else v) for k, v in self.headers.items()}


# --------------------------------------------------------------------------- HTTP machinery


class _Aborted(Exception):
    """The handler reset the connection on purpose."""


_QUIET_ERRORS = (ConnectionError, BrokenPipeError, TimeoutError, socket.timeout, _Aborted)


def _is_disconnect(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if isinstance(exc, _QUIET_ERRORS):
        return True
    # writes to a socket the handler already closed
    return isinstance(exc, (OSError, ValueError)) and (
        "closed" in str(exc).lower() or getattr(exc, "errno", None) in (9, 32, 104, 107)
    )


_SIOCOUTQ = 0x5411  # Linux: bytes in the send queue not yet acknowledged by the peer


def _wait_until_acked(conn: socket.socket, timeout: float) -> None:
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    deadline = time.monotonic() + timeout
    buf = bytearray(4)
    while time.monotonic() < deadline:
        try:
            fcntl.ioctl(conn.fileno(), _SIOCOUTQ, buf)
        except OSError:
            return
        if struct.unpack("i", bytes(buf))[0] == 0:
            return
        time.sleep(0.002)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: ProviderServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if _is_disconnect(exc):
            return
        self.owner.errors.append(exc)
        import traceback

        print(f"provider_server: error while handling a request from {client_address}:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "appam-test-provider/1.0"
    sys_version = ""
    server: _HTTPServer

    # -- quiet
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except Exception:
            pass
        finally:
            self.server.owner._track(self.connection, add=False)

    def handle(self) -> None:
        try:
            super().handle()
        except Exception as exc:  # noqa: BLE001
            if not _is_disconnect(exc):
                raise
            self.server.owner.disconnects.append(time.time())
            self.close_connection = True

    # -- routes
    def do_GET(self) -> None:
        self._read_and_record()
        self._send_json(404, {"error": {"message": f"Unknown route: GET {self.path}",
                                        "type": "invalid_request_error", "param": None, "code": "not_found"}})

    def do_POST(self) -> None:
        record = self._read_and_record()
        path = self.path.split("?", 1)[0].rstrip("/")
        self.protocol = record.protocol
        self.anthropic = self.protocol == "anthropic"
        if path == ollama.SHOW_PATH:  # litellm asks for a model's details (context length, template)
            self._send_json(200, ollama.show_json(str((record.body or {}).get("name") or "")))
            return
        if self.protocol in ("gemini", "ollama"):
            self._post_gemini_or_ollama(record)
            return
        if path not in CHAT_PATHS and not self.anthropic:
            self._send_json(404, {"error": {"message": f"Unknown route: POST {self.path}",
                                            "type": "invalid_request_error", "param": None,
                                            "code": "not_found"}})
            return
        body = record.body if isinstance(record.body, dict) else None
        if body is None and self.anthropic:
            self._send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                              "message": "The request body is not valid JSON."}})
            return
        if body is None:
            self._send_json(400, {"error": {"message": "We could not parse the JSON body of your request.",
                                            "type": "invalid_request_error", "param": None, "code": None}})
            return
        problem = (anthropic_format_problem if self.anthropic else response_format_problem)(body)
        if problem is not None:  # refused as the provider refuses it: 400, nothing scripted is used
            self._send_json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": problem}}
                            if self.anthropic else
                            {"error": {"message": problem, "type": "invalid_request_error",
                                       "param": "response_format", "code": None}})
            return
        owner = self.server.owner
        response = owner._next_response(body)
        self._answer(response, body)

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _post_gemini_or_ollama(self, record: RecordedRequest) -> None:
        body = record.body if isinstance(record.body, dict) else None
        if body is None:
            payload = (gemini.error_body(400) if self.protocol == "gemini"
                       else {"error": "invalid character looking for beginning of value"})
            self._send_json(400, payload)
            return
        if self.protocol == "gemini":
            found = gemini.match(self.path)
            assert found is not None
            view = gemini.chat_view(body, found["model"], record.stream)
            view["_gemini"] = body
        else:
            view = dict(body, stream=record.stream)
        self._answer(self.server.owner._next_response(view), view)

    # -- plumbing
    def _read_and_record(self) -> RecordedRequest:
        proxied_for = None
        if self.path.startswith("http://"):  # absolute form (RFC 9112 3.2.2): we were asked as a proxy
            proxied_for, _, rest = self.path[len("http://"):].partition("/")
            self.path = "/" + rest
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw=raw,
            proxied_for=proxied_for,
        )
        self.server.owner._record(record)
        return record

    def _await_client_close(self, limit: float = 10.0) -> None:
        """Leave the stream open and note when the client closes its end (None: not within
        ``limit`` seconds): a client that abandons a response must close it, not leave it to
        its garbage collector. The connection is not reused."""
        self.close_connection = True
        self.connection.settimeout(0.05)
        deadline = time.monotonic() + limit
        closed_at = None
        while time.monotonic() < deadline and not self.server.owner._stopping.is_set():
            try:
                if self.connection.recv(1024) == b"":
                    closed_at = time.time()
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_at = time.time()
                break
        self.server.owner.error_streams_closed_at.append(closed_at)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.server.owner._stopping.wait(seconds)

    def _common_headers(self) -> None:
        self.send_header("x-request-id", f"req_{self.server.owner._next_id():08x}")

    def _send_json(self, status: int, obj: Any, headers: dict | None = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers()
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def _abort(self, grace: float = 0.0) -> None:
        """Reset the TCP connection (RST, not FIN): SO_LINGER 0, then close.

        A peer that receives an RST drops whatever it had received but not yet read, so
        with ``grace`` we first wait until the peer's kernel acknowledged all we sent and
        then ``grace`` seconds more, giving the client time to read the chunks it was sent.
        """
        conn = self.connection
        try:
            self.wfile.flush()
        except Exception:
            pass
        if grace > 0:
            _wait_until_acked(conn, timeout=1.0)
            self._wait(grace)
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except Exception:
                pass
        try:
            conn.close()
        except OSError:
            pass
        self.close_connection = True
        raise _Aborted()

    def _answer(self, response: Any, body: dict) -> None:
        kind = getattr(response, "_kind", None)
        if kind == "hang":
            self._wait(response.seconds)
            if self.server.owner._stopping.is_set():
                self._abort()
            then = response.then if response.then is not None else self.server.owner._default(body)
            self._answer(then, body)
        elif kind == "drop":
            self._abort()
        elif kind == "http_error":
            self._send_error(response, body)
        elif kind == "raw":
            self._send_raw(response)
        elif kind == "reply":
            self._wait(response.first_byte_delay)
            protocol = getattr(self, "protocol", "openai")
            if protocol == "anthropic":
                self._anthropic_reply(response, body)
            elif protocol == "gemini":
                self._gemini_reply(response, body)
            elif protocol == "ollama":
                self._ollama_reply(response, body)
            elif body.get("stream"):
                self._stream_reply(response, body)
            else:
                self._json_reply(response, body)
        else:
            raise TypeError(f"provider_server: unknown scripted response {response!r}")

    def _send_error(self, err: HTTPError, body: dict) -> None:
        headers = dict(err.headers or {})
        if err.body is None or isinstance(err.body, dict):
            shape = {"anthropic": anthropic.error_body, "gemini": gemini.error_body,
                     "ollama": ollama.error_body}.get(getattr(self, "protocol", "openai"), error_body)
            payload = err.body if err.body is not None else shape(err.status, str(body.get("model") or "test-model"))
            self._send_json(err.status, payload, headers)
            return
        data = err.body.encode()
        self.send_response(err.status)
        if not any(k.lower() == "content-type" for k in headers):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers()
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def _send_raw(self, raw: Raw) -> None:
        data = raw.body.encode() if isinstance(raw.body, str) else raw.body
        self.send_response(raw.status)
        self.send_header("Content-Type", raw.content_type)
        self.send_header("Transfer-Encoding" if raw.chunked else "Content-Length",
                         "chunked" if raw.chunked else str(len(data)))
        self._common_headers()
        for k, v in (raw.headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if raw.chunked:
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data) if data else b"0\r\n\r\n")
        else:
            self.wfile.write(data)
        self.wfile.flush()

    # -- replies
    def _start_event_stream(self, headers: dict | None = None) -> None:
        """Headers of an SSE answer, sent in HTTP chunks (both protocols)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()

    def _stream_reply(self, reply: Reply, body: dict) -> None:
        owner = self.server.owner
        plan = _Plan(reply, body, owner._next_id())
        self._start_event_stream(reply.headers)

        def event(payload: str) -> None:
            data = f"data: {payload}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        if reply.error_event is not None:  # the role chunk, then an error instead of any content
            event(json.dumps(plan.chunk(next(plan.deltas())[0], None)))
            event(json.dumps(_stream_error(reply.error_event)))
            self._await_client_close()
            return
        first = True
        for delta, counts in plan.deltas():
            if counts and reply.drop_after is not None and plan.sent_content >= reply.drop_after:
                self._abort(DROP_GRACE)
            if not first:
                self._wait(reply.chunk_delay)
            first = False
            event(json.dumps(plan.chunk(delta, None)))
            plan.sent_content += counts
        if reply.drop_after is not None:
            # fewer content chunks than drop_after: still cut before the finish chunk
            self._abort(DROP_GRACE)
        if reply.finish_reason is not None:
            self._wait(reply.chunk_delay)
            event(json.dumps(plan.chunk({}, reply.finish_reason)))
        usage = plan.usage()
        if usage is not None:
            event(json.dumps(plan.usage_chunk(usage)))
        if reply.send_done:
            event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _json_reply(self, reply: Reply, body: dict) -> None:
        plan = _Plan(reply, body, self.server.owner._next_id())
        message: dict[str, Any] = {"role": "assistant", "content": reply.full_text or None, "refusal": None}
        if reply.full_reasoning is not None:
            message["reasoning_content"] = reply.full_reasoning
        if plan.tool_calls:
            message["tool_calls"] = plan.tool_calls
        obj: dict[str, Any] = {
            "id": plan.id,
            "object": "chat.completion",
            "created": plan.created,
            "model": plan.model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}],
            "system_fingerprint": None,
        }
        usage = plan.usage()
        if usage is not None:
            obj["usage"] = usage
        self._send_whole_answer(obj, cut=reply.drop_after is not None, headers=reply.headers)

    def _send_whole_answer(self, obj: dict, *, cut: bool, headers: dict | None = None) -> None:
        """A non-streamed answer; ``cut`` resets the connection halfway through the body."""
        data = json.dumps(obj).encode()
        if cut:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self._common_headers()
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self._abort(DROP_GRACE)
        self._send_json(200, None, raw=data, headers=headers)

    def _anthropic_reply(self, reply: Reply, body: dict) -> None:
        """The Anthropic messages protocol: SSE events when ``stream`` is true, else one message."""
        plan = _Plan(reply, body, self.server.owner._next_id())
        msg_id = f"msg_test{plan.n:08x}"
        tool_calls = [dict(c, id=c["id"].replace("call_", "toolu_", 1)) for c in plan.tool_calls]
        output_words = _words(reply.full_text) + _words(reply.full_reasoning or "")
        output_words += sum(_words(c["function"]["arguments"].replace('"', " ")) + 1 for c in tool_calls)
        full_usage = anthropic.usage(reply, body, _prompt_words(body), output_words)
        if not body.get("stream"):
            obj = anthropic.message_json(msg_id, plan.model, reply.full_reasoning, reply.full_text, tool_calls,
                                         reply.finish_reason, full_usage)
            self._send_whole_answer(obj, cut=reply.drop_after is not None)
            return
        self._start_event_stream()

        def event(name: str, payload: dict) -> None:
            data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        reasoning = None
        if reply.reasoning is not None:
            reasoning = split_words(reply.reasoning) if isinstance(reply.reasoning, str) else list(reply.reasoning)
        text = split_words(reply.text) if isinstance(reply.text, str) else list(reply.text)
        events = anthropic.stream_events(msg_id, plan.model, reasoning, text, tool_calls, _split_parts,
                                         reply.finish_reason, full_usage)
        sent = 0
        for name, payload, counts in events:
            if reply.error_event is not None and name == "content_block_start":
                message = dict(anthropic._ERRORS.values()).get(reply.error_event, "error")
                event("error", {"type": "error", "error": {"type": reply.error_event, "message": message}})
                self._await_client_close()
                return
            if reply.drop_after is not None and (counts and sent >= reply.drop_after or name == "message_delta"):
                self._abort(DROP_GRACE)
            if counts and sent:
                self._wait(reply.chunk_delay)
            event(name, payload)
            sent += counts
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


    def _http_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _gemini_reply(self, reply: Reply, view: dict) -> None:
        """The Gemini API: SSE of GenerateContentResponse objects when streaming, else one of them."""
        plan = _Plan(reply, view, self.server.owner._next_id())
        response_id = f"gemresp{plan.n:08x}"
        model = reply.model or view["model"]
        output_words = sum(_words(c["function"]["arguments"].replace('"', " ")) + 1 for c in plan.tool_calls)
        full_usage = gemini.usage(reply.usage, _prompt_words(view),
                                  _words(reply.full_text) + output_words, _words(reply.full_reasoning or ""))
        finish = gemini.finish_reason(reply.finish_reason)
        if not view["stream"]:
            obj = gemini.response_json(response_id, model, reply.full_reasoning, reply.full_text, plan.tool_calls,
                                       finish, full_usage)
            self._send_whole_answer(obj, cut=reply.drop_after is not None)
            return
        self._start_event_stream()
        chunks = gemini.stream_chunks(response_id, model, _parts(reply.reasoning), _parts(reply.text),
                                      plan.tool_calls, finish, full_usage)
        sent = 0
        for payload, counts in chunks:
            if reply.error_event is not None:  # a 200 stream whose first event is an error
                code = {v[0]: k for k, v in gemini._ERRORS.items()}.get(reply.error_event, 500)
                self._http_chunk(f"data: {json.dumps(gemini.error_body(code))}\r\n\r\n".encode())
                self._await_client_close()
                return
            finishing = "finishReason" in payload["candidates"][0]
            if reply.drop_after is not None and (sent >= reply.drop_after or finishing):
                self._abort(DROP_GRACE)
            if sent:
                self._wait(reply.chunk_delay)
            self._http_chunk(f"data: {json.dumps(payload)}\r\n\r\n".encode())
            sent += counts
        if reply.drop_after is not None:
            self._abort(DROP_GRACE)
        self._end_chunks()

    def _ollama_reply(self, reply: Reply, body: dict) -> None:
        """Ollama's /api/chat: NDJSON lines when streaming (the default), else one object."""
        plan = _Plan(reply, body, self.server.owner._next_id())
        model = plan.model
        output_words = _words(reply.full_text) + _words(reply.full_reasoning or "")
        output_words += sum(_words(c["function"]["arguments"].replace('"', " ")) + 1 for c in plan.tool_calls)
        stats = ollama.usage(reply.usage, _prompt_words(body),
                             output_words)
        if not body.get("stream", True):
            obj = ollama.response_json(model, reply.full_reasoning, reply.full_text, plan.tool_calls,
                                       reply.finish_reason, stats)
            self._send_whole_answer(obj, cut=reply.drop_after is not None)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        self.end_headers()
        lines = ollama.stream_lines(model, _parts(reply.reasoning), _parts(reply.text), plan.tool_calls,
                                    reply.finish_reason, stats)
        sent = 0
        for line, counts in lines:
            if reply.error_event is not None:  # a 200 stream whose first line is an error
                self._http_chunk((json.dumps({"error": reply.error_event}) + "\n").encode())
                self._await_client_close()
                return
            if reply.drop_after is not None and (sent >= reply.drop_after or line["done"]):
                self._abort(DROP_GRACE)
            if sent:
                self._wait(reply.chunk_delay)
            self._http_chunk((json.dumps(line) + "\n").encode())
            sent += counts
        if reply.drop_after is not None:
            self._abort(DROP_GRACE)
        self._end_chunks()


def _parts(value: str | list[str] | None) -> list[str] | None:
    """A scripted text or reasoning as the chunks to send (None stays None)."""
    if value is None:
        return None
    return split_words(value) if isinstance(value, str) else list(value)


class _Plan:
    """The chunks of one Reply, built the OpenAI way."""

    def __init__(self, reply: Reply, body: dict, n: int) -> None:
        self.reply = reply
        self.body = body
        self.n = n
        self.id = f"chatcmpl-test{n:08x}"
        self.created = int(time.time())
        self.model = reply.model or str(body.get("model") or "test-model")
        self.sent_content = 0
        self.tool_calls = self._normalise_tool_calls(reply.tool_calls or [], n)

    @staticmethod
    def _normalise_tool_calls(calls: list[dict], n: int) -> list[dict]:
        out = []
        for i, call in enumerate(calls):
            fn = call.get("function") if isinstance(call.get("function"), dict) else call
            args = fn.get("arguments", "")
            if not isinstance(args, str):
                args = json.dumps(args)
            out.append({
                "id": call.get("id") or f"call_{n:04x}{i:02d}",
                "type": "function",
                "function": {"name": fn.get("name", ""), "arguments": args},
            })
        return out

    def chunk(self, delta: dict, finish_reason: str | None) -> dict:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }

    def usage_chunk(self, usage: dict) -> dict:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [],
            "usage": usage,
        }

    def deltas(self):
        """Yield (delta, is_content) in order: role, reasoning, text, tool calls."""
        reply = self.reply
        yield {"role": "assistant", "content": ""}, False
        if reply.reasoning is not None:
            parts = split_words(reply.reasoning) if isinstance(reply.reasoning, str) else list(reply.reasoning)
            for part in parts:
                yield {"reasoning_content": part}, True
        parts = split_words(reply.text) if isinstance(reply.text, str) else list(reply.text)
        for part in parts:
            yield {"content": part}, True
        for index, call in enumerate(self.tool_calls):
            yield {"tool_calls": [{
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }]}, True
            for frag in _split_parts(call["function"]["arguments"]):
                yield {"tool_calls": [{"index": index, "function": {"arguments": frag}}]}, True

    def usage(self) -> dict | None:
        usage = self.reply.usage
        if usage is None:
            return None
        if usage is not DEFAULT:
            return usage
        prompt = _prompt_words(self.body)
        reasoning = _words(self.reply.full_reasoning or "")
        completion = _words(self.reply.full_text) + reasoning
        completion += sum(_words(c["function"]["arguments"].replace('"', " ")) + 1 for c in self.tool_calls)
        completion = max(1, completion)
        out: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if reasoning:
            out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return out


# --------------------------------------------------------------------------- public server


class ProviderServer:
    """A scripted OpenAI-compatible chat-completions server on 127.0.0.1.

    ``url`` ends in ``/v1``: pass it as ``api_base`` with ``openai/<name>`` models.
    ``default`` builds the answer when the script queue is empty (default: ``echo_reply``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 default: Callable[[dict], Response] | None = None) -> None:
        self.host = host
        self._port = port
        self.default = default
        self.errors: list[BaseException] = []  # unexpected handler errors (not disconnects)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: deque[Response] = deque()
        self._requests: list[RecordedRequest] = []
        # When the client let go of each stream cut by an error event (time.time(), or None: never).
        self.error_streams_closed_at: list[float | None] = []
        # When a client went away while being answered (time.time()): a write found the connection closed.
        self.disconnects: list[float] = []
        self._counter = 0
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> ProviderServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="provider-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ProviderServer is not running")
        return self._httpd.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def gemini_url(self) -> str:
        """api_base for ``gemini/<name>`` models: litellm appends ``/models/<name>:<method>``."""
        return f"{self.root_url}/v1beta"

    @property
    def anthropic_url(self) -> str:
        """api_base for ``anthropic/<name>`` models: litellm appends ``/v1/messages`` itself."""
        return self.root_url

    # script
    def enqueue(self, *responses: Response) -> ProviderServer:
        for r in responses:
            if getattr(r, "_kind", None) is None:
                raise TypeError(f"not a scripted response: {r!r}")
        with self._lock:
            self._queue.extend(responses)
        return self

    @property
    def pending(self) -> int:
        """How many scripted responses are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Clear the script queue, the request log and recorded errors."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self.errors.clear()
            self.disconnects.clear()

    # log
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the received requests, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.split("?", 1)[0].rstrip("/") in CHAT_PATHS]

    @property
    def messages_requests(self) -> list[RecordedRequest]:
        """The Anthropic-protocol requests (``POST /v1/messages``)."""
        return [r for r in self.requests if r.path.split("?", 1)[0].rstrip("/") in anthropic.MESSAGES_PATHS]

    @property
    def gemini_requests(self) -> list[RecordedRequest]:
        """The Gemini-protocol requests (``models/<name>:generateContent`` and its stream)."""
        return [r for r in self.requests if r.protocol == "gemini"]

    @property
    def ollama_requests(self) -> list[RecordedRequest]:
        """The Ollama-protocol requests (``POST /api/chat``)."""
        return [r for r in self.requests if r.protocol == "ollama"]

    @property
    def last_request(self) -> RecordedRequest | None:
        with self._lock:
            return self._requests[-1] if self._requests else None

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least ``count`` requests were received (True) or timeout (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._requests) >= count, timeout)

    # internals used by the handler
    def _record(self, record: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(record)
            self._cond.notify_all()

    def _next_response(self, body: dict) -> Response:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self._default(body)

    def _default(self, body: dict) -> Response:
        return self.default(body) if self.default is not None else echo_reply(body)

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible chat-completions server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--tokens", type=int, default=0,
                        help="answer every request with a markdown document of about N tokens")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between streamed chunks")
    args = parser.parse_args(argv)

    if args.tokens > 0:
        words = split_words(markdown_document(args.tokens))

        def default(body: dict) -> Response:
            return Reply(text=list(words), chunk_delay=args.chunk_delay)
    else:
        def default(body: dict) -> Response:
            reply = echo_reply(body)
            reply.chunk_delay = args.chunk_delay
            return reply

    server = ProviderServer(args.host, args.port, default=default).start()
    print(f"provider server listening on {server.url} (api_base)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
