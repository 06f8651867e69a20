"""Stores that cannot be written, made for real: read-only files and folders, and a disk that fills.

Root ignores file modes, so for root a read-only file or folder is made immutable (``chattr +i``,
which binds root too) and a process is started in a user namespace of its own, where the modes
bind again as they do for everybody else. A disk that fills is a file-size limit
(``RLIMIT_FSIZE``) on the process: past it the kernel refuses the write, as a full disk does.
"""

from __future__ import annotations

import array
import ctypes
import fcntl
import os
import resource
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CLONE_NEWUSER = 0x10000000
IS_ROOT = os.geteuid() == 0


FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x10


def _immutable(path: Path, on: bool) -> bool:
    """``chattr +i`` / ``-i`` (the ioctl itself: starting chattr would be a process)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, flags, True)
        flags[0] = flags[0] | FS_IMMUTABLE_FL if on else flags[0] & ~FS_IMMUTABLE_FL
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, flags, True)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _chattr(flag: str, *paths: Path) -> bool:
    return all([_immutable(p, flag == "+i") for p in paths])


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """``paths`` (files or folders) cannot be written while inside, by this process too."""
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in paths}
    for p in paths:
        p.chmod(modes[p] & ~0o222)
    if IS_ROOT and not _chattr("+i", *paths):
        for p in paths:
            p.chmod(modes[p])
        pytest.skip("root ignores file modes, and chattr +i is not available here")
    try:
        yield
    finally:
        if IS_ROOT:
            _chattr("-i", *paths)
        for p in paths:
            p.chmod(modes[p])


def as_a_user() -> None:
    """``preexec_fn``: in a user namespace of its own, root's override of file modes is gone."""
    if IS_ROOT:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWUSER) != 0:
            os._exit(77)


def file_size_limit(limit: int) -> Callable[[], None]:
    """``preexec_fn``: no file of the process may grow past ``limit`` bytes (a write past it fails
    with EFBIG; Python ignores SIGXFSZ, so the process is told, not killed)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def user_namespaces_work() -> bool:
    if not IS_ROOT:
        return True
    done = subprocess.run(["true"], preexec_fn=as_a_user)
    return done.returncode == 0


def store_files(home: Path) -> dict[str, bytes]:
    """The bytes of the store and its -wal/-shm files (to show a command wrote nothing)."""
    return {p.name: p.read_bytes() for p in sorted(home.glob("sessions.db*"))}


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, APPAM_HOME=str(home), **extra)
