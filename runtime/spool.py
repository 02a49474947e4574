"""Durable Maildir delivery under Spool_Base, each message with its envelope beside it.

Rule of this room: a message appears in `new/` complete or not at all, and never without its envelope.
`stage` writes the message to `tmp/` under a unique name and its envelope (the JSON record envelope.py
makes) to `envelope/<name>.json`, fsyncing both files; `commit` then fsyncs `envelope/`, renames the
messages into `new/` and fsyncs `new/` — all before the caller may answer 250 (a batch shares the two
directory fsyncs). So an envelope is durable before its message is visible; a crash in between leaves an
envelope without a message, which means the message was not accepted (the client got no 250). On any
failure seen here the message and its envelope are removed and a `SpoolError` carries the reply to give
(452 4.3.1 for a full disk, else 451 4.3.0). Blocking calls: the server runs them on its disk thread
(diskqueue.py).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import replies
from .replies import Reply

_FULL = {errno.ENOSPC, errno.EDQUOT}
_counter = itertools.count()
_lock = threading.Lock()
ENVELOPE_DIR = "envelope"  # Spool_Base/envelope/<message name>.json
ENVELOPE_SUFFIX = ".json"


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
# Makes the envelope record for a message from its spool name (the record names the message).
Sidecar = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class Staged:
    """A message written and synced in tmp/ (and its envelope in envelope/), not yet visible in new/."""

    tmp: str
    final: str
    envelope: str | None  # None: delivered without an envelope record (tests, tools)


class Maildir:
    def __init__(self, base: Path, write: Writer | None = None) -> None:
        self.base = Path(base)
        self._write = write  # None: os.write, looked up at each call
        # Plain strings: Path arithmetic per message was a measurable share of the disk thread's time.
        self._tmp = os.path.join(self.base, "tmp")
        self._new = os.path.join(self.base, "new")
        self._envelope = os.path.join(self.base, ENVELOPE_DIR)

    def ensure(self) -> None:
        for sub in ("tmp", "new", "cur", ENVELOPE_DIR):
            (self.base / sub).mkdir(parents=True, exist_ok=True, mode=0o700)

    def unique_name(self, queue_id: str, when: float) -> str:
        with _lock:
            n = next(_counter)
        return f"{int(when)}.P{os.getpid()}Q{n}R{queue_id}.{_HOST}"

    def envelope_path(self, message: Path) -> Path:
        """Where the envelope of a message in new/ (or cur/, flags and all) is."""
        return Path(self._envelope, message.name.partition(":")[0] + ENVELOPE_SUFFIX)

    def deliver(self, data: bytes, queue_id: str, when: float, sidecar: Sidecar | None = None) -> Path:
        """Store `data` (and its envelope) durably; returns the path in new/."""
        [result] = self.commit([self.stage(data, queue_id, when, sidecar)])
        if isinstance(result, SpoolError):
            raise result
        return result

    def stage(self, data: bytes, queue_id: str, when: float, sidecar: Sidecar | None = None) -> Staged:
        """Write and fsync one message into tmp/ and its envelope into envelope/; `commit` publishes it."""
        name = self.unique_name(queue_id, when)
        staged = Staged(
            os.path.join(self._tmp, name),
            os.path.join(self._new, name),
            None if sidecar is None else os.path.join(self._envelope, name + ENVELOPE_SUFFIX),
        )
        try:
            try:
                self._write_file(staged.tmp, data)
            except FileNotFoundError:  # the spool was removed under us: make it again, once
                self.ensure()
                self._write_file(staged.tmp, data)
            if sidecar is not None and staged.envelope is not None:
                record = sidecar(name)
                try:
                    self._write_file(staged.envelope, record)
                except FileNotFoundError:
                    self.ensure()
                    self._write_file(staged.envelope, record)
        except OSError as exc:
            raise _failed(exc, _files(staged)) from exc
        return staged

    def commit(self, staged: list[Staged]) -> list[Path | SpoolError]:
        """Publish staged messages: fsync envelope/, rename each into new/, fsync new/ — each directory once
        for the whole batch. Per message its path in new/ or the error; nothing of a failed one stays."""
        if any(s.envelope is not None for s in staged):
            try:
                _fsync_dir(self._envelope)  # every envelope durable before any of its messages is visible
            except OSError as exc:
                error = _failed(exc, [f for s in staged for f in _files(s)])
                return [error] * len(staged)
        results: list[Path | SpoolError] = []
        for s in staged:
            try:
                try:
                    os.rename(s.tmp, s.final)
                except FileNotFoundError:  # new/ went away meanwhile
                    self.ensure()
                    os.rename(s.tmp, s.final)
                results.append(Path(s.final))
            except OSError as exc:
                results.append(_failed(exc, _files(s)))
        published = [(i, s) for i, s in enumerate(staged) if isinstance(results[i], Path)]
        if published:
            try:
                _fsync_dir(self._new)
            except OSError as exc:
                error = _failed(exc, [f for _i, s in published for f in (s.final, *_files(s))])
                for i, _s in published:
                    results[i] = error
        return results

    def _write_file(self, path: str, data: bytes) -> None:
        fd = os.open(path, _CREATE, 0o600)
        try:
            view = memoryview(data)
            write = self._write or os.write
            while view:
                view = view[write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)


def _files(staged: Staged) -> tuple[str, ...]:
    return (staged.tmp,) if staged.envelope is None else (staged.tmp, staged.envelope)


def _failed(exc: OSError, leftovers: Iterable[str | Path]) -> SpoolError:
    # The client will retry after 4xx; a copy left in new/ would be delivered twice. The envelope goes
    # after the message: one left without its message only ever means "not accepted".
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
