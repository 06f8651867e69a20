"""Warming the worker: one whole request before the first real one, so that none pays for it.

litellm does a lot on a process's first request that its import does not: the provider SDK
(openai: ~500 modules), the stream wrapper, the tokenizer and cost code (~1 s together). The
worker runs one request to ``model`` against a canned OpenAI-style answer served here, on
loopback, by a thread that ends before the worker forks; then a token count. Nothing leaves
the machine; any failure is ignored (a model of another protocol warms what it can).
"""

from __future__ import annotations

import os
import socket
import threading

from appam_cli.providers import keys

CANNED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
    b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":null}]}\n\n'
    b'data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"m","choices":'
    b'[{"index":0,"delta":{},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n'
    b"data: [DONE]\n\n"
)


def _answer_once(listener: socket.socket) -> None:
    try:
        conn, _ = listener.accept()
    except OSError:
        return
    with conn:
        conn.settimeout(5.0)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            conn.sendall(CANNED)
        except (OSError, ValueError):
            pass


def warm(model: str) -> None:
    from appam_cli.datamodel.options import RequestOptions
    from appam_cli.providers.client import stream_chat
    from appam_cli.providers.events import ProviderRequest
    from appam_cli.providers.usage import estimate_usage

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10.0)
    port = listener.getsockname()[1]
    server = threading.Thread(target=_answer_once, args=(listener,), name="appam-warm", daemon=True)
    server.start()
    # The worker has none of its users' keys: a placeholder lets the warm-up reach the provider
    # code path (gpt-4o-mini, anthropic/…) instead of stopping at "no API key" before connecting.
    placeholders = [name for name in keys.DEFAULT_KEYS if name not in os.environ]
    os.environ.update(dict.fromkeys(placeholders, "appam-warm-up-placeholder"))
    try:
        options = RequestOptions(model=model, api_base=f"http://127.0.0.1:{port}", retries=0, timeout=5.0)
        request = ProviderRequest(messages=[{"role": "user", "content": "."}], options=options)
        for _ in stream_chat(request):
            pass
    except Exception:
        pass
    finally:
        for name in placeholders:
            os.environ.pop(name, None)
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes an accept() still waiting (close alone does not)
        except OSError:
            pass
        listener.close()
        server.join(10.0)
    try:
        estimate_usage(model, [{"role": "user", "content": "."}], ".")
    except Exception:
        pass


def retire_pool_threads() -> None:
    """End the idle threads litellm's logging pool started during the warm-up, keeping the pool.

    The worker forks a child per request and must not have threads when it does (a lock held by
    one would stay held in the child forever). The pool is ``concurrent.futures``'s: told to shut
    down, its idle threads exit; it is then reopened with no threads, so that the first task a
    child gives it starts a thread in that child."""
    import sys

    module = sys.modules.get("litellm.litellm_core_utils.thread_pool_executor")
    pool = getattr(module, "executor", None) if module is not None else None
    threads = list(getattr(pool, "_threads", ()))
    if pool is None or not threads:
        return
    with pool._shutdown_lock:
        pool._shutdown = True
        pool._work_queue.put(None)  # each idle thread takes it, passes it on and exits
    for thread in threads:
        thread.join(5.0)
    with pool._shutdown_lock:
        while not pool._work_queue.empty():
            pool._work_queue.get_nowait()
        pool._threads.clear()
        pool._idle_semaphore = threading.Semaphore(0)
        pool._shutdown = False
