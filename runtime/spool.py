"""Durable Maildir delivery under Spool_Base.

Rule of this room: a message appears in `new/` complete or not at all. Write to `tmp/` under a unique name,
fsync the file, rename it into `new/`, fsync `new/` — all before the caller may answer 250 (`deliver`, or
`stage` then `commit`, which lets a batch of messages share the fsync of `new/`). On any failure
the tmp file is removed and a `SpoolError` carries the reply to give (452 4.3.1 for a full disk, else
451 4.3.0). Blocking calls: the server runs them on its disk thread (diskqueue.py).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from . import replies
from .replies import Reply

_FULL = {errno.ENOSPC, errno.EDQUOT}
_counter = itertools.count()
_lock = threading.Lock()


class SpoolError(Exception):
    def __init__(self, reply: Reply, cause: OSError) -> None:
        super().__init__(f"spool write failed: {cause}")
        self.reply = reply


def _host() -> str:
    # Maildir names end with the host name; "/" and ":" are not allowed in it.
    return os.uname().nodename.replace("/", "\\057").replace(":", "\\072") or "localhost"


_HOST = _host()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL

Writer = Callable[[int, memoryview], int]  # os.write's shape; tests inject a full disk here


class Maildir:
    def __init__(self, base: Path, write: Writer | None = None) -> None:
        self.base = Path(base)
        self._write = write  # None: os.write, looked up at each call
        # Plain strings: Path arithmetic per message was a measurable share of the disk thread's time.
        self._tmp = os.path.join(self.base, "tmp")
        self._new = os.path.join(self.base, "new")

    def ensure(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.base / sub).mkdir(parents=True, exist_ok=True, mode=0o700)

    def unique_name(self, queue_id: str, when: float) -> str:
        with _lock:
            n = next(_counter)
        return f"{int(when)}.P{os.getpid()}Q{n}R{queue_id}.{_HOST}"

    def deliver(self, data: bytes, queue_id: str, when: float) -> Path:
        """Store `data` durably; returns the path in new/."""
        final = self.stage(data, queue_id, when)
        self.commit([final])
        return final

    def stage(self, data: bytes, queue_id: str, when: float) -> Path:
        """Write, fsync and rename one message into new/; durable once `commit` has synced new/."""
        name = self.unique_name(queue_id, when)
        tmp = os.path.join(self._tmp, name)
        final = os.path.join(self._new, name)
        try:
            try:
                fd = os.open(tmp, _CREATE, 0o600)
            except FileNotFoundError:  # the spool was removed under us: make it again, once
                self.ensure()
                fd = os.open(tmp, _CREATE, 0o600)
            try:
                view = memoryview(data)
                write = self._write or os.write
                while view:
                    view = view[write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.rename(tmp, final)
            except FileNotFoundError:  # new/ went away meanwhile
                self.ensure()
                os.rename(tmp, final)
            return Path(final)
        except OSError as exc:
            raise _failed(exc, (tmp, final)) from exc

    def commit(self, staged: list[Path]) -> None:
        """fsync new/ once for messages staged there (a batch shares it); on failure none of them stays."""
        try:
            _fsync_dir(self._new)
        except OSError as exc:
            raise _failed(exc, staged) from exc


def _failed(exc: OSError, leftovers: Iterable[str | Path]) -> SpoolError:
    # The client will retry after 4xx; a copy left in new/ would be delivered twice.
    for leftover in leftovers:
        with contextlib.suppress(OSError):
            os.unlink(leftover)
    return SpoolError(replies.SPOOL_FULL if exc.errno in _FULL else replies.SPOOL_ERROR, exc)


def _fsync_dir(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
