"""An API base as a session records it: the address only, never a credential.

A URL can carry a secret (``http://user:key@host/v1``, ``?key=…``); what is stored, shown
and exported is the URL without its user info and without query parameters that name a
key, token, secret, password or signature.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "sig", "auth")


def without_credentials(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc += f":{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not any(word in k.lower() for word in _SECRET_WORDS)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))
