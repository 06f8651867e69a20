"""The frames the provider worker and its clients exchange: a 4-byte big-endian length, then a pickle.

Both ends are this package, run by the same user (the worker checks the peer's uid), so
pickle is what each side trusts anyway: it runs our own code.
"""

from __future__ import annotations

import os
import pickle
import struct
from collections.abc import Callable
from typing import Any

HEADER = struct.Struct(">I")


def encode(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class FrameReader:
    """Whole frames from ``recv(size) -> bytes`` (b"" at the end); ``read()`` is None at EOF.

    A socket's ``recv`` with a timeout raises TimeoutError; nothing read is lost then."""

    def __init__(self, recv: Callable[[int], bytes]) -> None:
        self.recv = recv
        self._buffer = bytearray()

    @classmethod
    def of_fd(cls, fd: int) -> FrameReader:
        return cls(lambda size: os.read(fd, size))

    def read(self) -> Any:
        header = self._take(HEADER.size)
        if header is None:
            return None
        body = self._take(HEADER.unpack(header)[0])
        return None if body is None else pickle.loads(body)

    def _take(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            chunk = self.recv(max(65536, size - len(self._buffer)))
            if not chunk:
                return None
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
