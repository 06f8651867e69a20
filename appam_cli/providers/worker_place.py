"""Where the provider worker listens: a private folder, its socket, lock and state files.

``APPAM_WORKER_DIR`` names the folder outright (the test suite shares one worker that way);
else ``$APPAM_HOME/worker`` (tests and a second install never share a worker); else the
user's runtime folder (``$XDG_RUNTIME_DIR/appam``), else ``appam-<uid>`` in the temp folder.
The folder is the user's own, mode 0700; a folder someone else owns, or a symlink, is refused.
A socket path longer than a unix socket allows (~108 bytes) becomes a short hashed name in
the temp folder's ``appam-<uid>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUN_PATH_MAX = 100  # bytes: under every platform's sun_path (104 on macOS, 108 on Linux), NUL included


class UnsafeFolder(OSError):
    """The worker folder is not this user's private folder."""


def worker_dir() -> Path:
    explicit = os.environ.get("APPAM_WORKER_DIR")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("APPAM_HOME")
    if home:
        return Path(home).expanduser() / "worker"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "appam"
    return _temp_dir()


def _temp_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"appam-{os.getuid()}"


def private_dir(path: Path) -> Path:
    """``path`` made (mode 0700) if missing; UnsafeFolder unless it is this user's own, private folder."""
    try:
        path.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise UnsafeFolder(f"{path} is not a folder of this user's")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


@dataclass(frozen=True)
class Place:
    folder: Path

    @classmethod
    def current(cls) -> Place:
        return cls(worker_dir())

    @property
    def socket(self) -> str:
        path = str(self.folder / "worker.sock")
        if len(os.fsencode(path)) < SUN_PATH_MAX:
            return path
        digest = hashlib.sha256(os.fsencode(str(self.folder.absolute()))).hexdigest()[:20]
        return str(_temp_dir() / f"{digest}.sock")

    @property
    def lock(self) -> Path:
        return self.folder / "worker.lock"

    @property
    def state(self) -> Path:
        return self.folder / "worker.json"

    def check(self) -> None:
        """UnsafeFolder when the folder (or the short socket's) exists but is not this user's private one."""
        for folder in {self.folder, Path(self.socket).parent}:
            try:
                info = os.lstat(folder)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                raise UnsafeFolder(f"{folder} is not a folder of this user's")
            if info.st_mode & 0o077:
                os.chmod(folder, 0o700)  # ours: made private again (the worker checks who connects)

    def prepare(self) -> None:
        """The folder (and the short-path folder when the socket lives there), private."""
        private_dir(self.folder)
        socket_folder = Path(self.socket).parent
        if socket_folder != self.folder:
            private_dir(socket_folder)

    def read_state(self) -> dict[str, Any]:
        """What the worker last wrote about itself (pid, state, identity); {} when nothing is readable."""
        try:
            data = json.loads(self.state.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_state(self, **state: Any) -> None:
        temp = self.state.with_name(f".worker.json.{os.getpid()}")
        temp.write_text(json.dumps(state))
        os.replace(temp, self.state)


def pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a worker this process started and that has exited is a zombie until reaped: gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def identity() -> dict[str, Any]:
    """What makes a worker the right one for this client: the appam version, where it is installed
    (package folder and Python prefix) and when its provider code last changed (an editable
    install being worked on must not keep serving yesterday's code)."""
    import appam_cli

    package = Path(appam_cli.__file__).parent
    newest = 0
    for folder in (package / "providers", package / "datamodel", package):
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".py"):
                        newest = max(newest, entry.stat().st_mtime_ns)
        except OSError:
            pass
    import sys

    return {"version": appam_cli.__version__, "install": str(package), "prefix": sys.prefix, "code": newest}


def peer_is_this_user(conn: Any) -> bool:
    """The process at the other end of a connected unix socket runs as this user (Linux'
    SO_PEERCRED; elsewhere the private folder is the only check)."""
    import socket
    import struct

    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (AttributeError, OSError):
        return True
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


def verify_peer(place: Place, conn: Any) -> None:
    """UnsafeFolder unless the worker we reached is this user's, in this user's private folder:
    checked after connecting and before a byte is sent or read (a socket put there by someone
    else between a first check and the connection would otherwise get the keys)."""
    if not peer_is_this_user(conn):
        raise UnsafeFolder(f"the socket {place.socket} is served by another user")
    place.check()


def lock_held(place: Place) -> bool:
    """Whether a worker holds the folder's lock (it does for its whole life)."""
    import fcntl

    try:
        fd = os.open(place.lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock we took
    return False
