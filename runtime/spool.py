"""Durable Maildir delivery under Spool_Base, each message with its envelope beside it.

Rule of this room: a message appears in `new/` complete or not at all, and never without its envelope.
`stage` writes the message to `tmp/` under a unique name and its envelope (the JSON record envelope.py
makes) to `envelope/<name>.json`. `commit` then makes them durable and visible in two halves, which may run
on different threads: `make_durable` syncs every staged file's data (fdatasync: a new file's size and
blocks are what reading it back needs) and `envelope/`; `publish` renames the messages into `new/` and
fsyncs `new/` — all before the caller may answer 250. On tmpfs, whose fsync has nothing to write, the
syncs are skipped. A batch shares the two directory syncs, and the file syncs of a batch may run in
parallel (`run`): concurrent syncs share the file system's journal commits, where one after another each
waits for its own. No rename starts before every sync it depends on has returned, so an envelope is
durable before its message is visible; a crash in between leaves an envelope without a message, which
means the message was not accepted (the client got no 250). On any failure seen here the message and its
envelope are removed and a `SpoolError` carries the reply to give (452 4.3.1 for a full disk, else 451
4.3.0); a failure of one message's file fails that message alone. Blocking calls: the server runs them on
its disk threads (diskqueue.py, groupcommit.py).
"""

from __future__ import annotations

import contextlib
import errno
import functools
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
    def __init__(self, reply: Reply, cause: BaseException) -> None:
        super().__init__(f"spool write failed: {cause}")
        self.reply = reply


def _host() -> str:
    # Maildir names end with the host name; "/" and ":" are not allowed in it.
    return os.uname().nodename.replace("/", "\\057").replace(":", "\\072") or "localhost"


_HOST = _host()
# This process's id, kept: os.getpid() is a system call, once per message otherwise. A forked worker (serve
# --workers N) gets its own at the fork, so its names never meet its siblings'.
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL

Writer = Callable[[int, bytes | memoryview], int]  # os.write's shape; tests inject a full disk here
Syncer = Callable[[int], None]  # os.fdatasync's shape; tests inject a failing disk here
# Runs blocking tasks, maybe at once, and returns what each raised (None: it returned). groupcommit.py has a
# parallel one; this module runs them one after another.
Runner = Callable[[list[Callable[[], None]]], list[BaseException | None]]
_DATASYNC: Syncer = getattr(os, "fdatasync", os.fsync)  # not every platform has fdatasync
_IN_MEMORY = {"tmpfs", "ramfs"}  # file systems whose syncs return at once: nothing to gain running them at once
MOUNTS = "/proc/self/mounts"
# Makes the envelope record for a message from its spool name (the record names the message).
Sidecar = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class Staged:
    """A message written in tmp/ (and its envelope in envelope/), not yet synced nor visible in new/."""

    tmp: str
    final: str
    envelope: str | None  # None: delivered without an envelope record (tests, tools)
    fds: tuple[int, ...]  # the written files still open (`commit` syncs and closes them), or () if closed


class Maildir:
    def __init__(self, base: Path, write: Writer | None = None, sync: Syncer | None = None) -> None:
        self.base = Path(base)
        self._write = write  # None: os.write, looked up at each call
        self._sync = sync  # None: fdatasync
        # Plain strings, joined by concatenation: Path arithmetic per message (and os.path.join's checks)
        # was a measurable share of the disk thread's time.
        self._tmp = os.path.join(self.base, "tmp")
        self._new = os.path.join(self.base, "new")
        self._envelope = os.path.join(self.base, ENVELOPE_DIR)
        self._tmp_slash, self._new_slash, self._envelope_slash = self._tmp + "/", self._new + "/", self._envelope + "/"
        self._in_memory: bool | None = None

    @property
    def in_memory(self) -> bool:
        """Whether the spool is on a file system kept in memory (tmpfs), as far as the mount table says."""
        if self._in_memory is None:
            try:
                with open(MOUNTS, encoding="utf-8", errors="replace") as mounts:
                    self._in_memory = file_system(os.path.realpath(self.base), mounts.read()) in _IN_MEMORY
            except OSError:  # not Linux: syncs may cost, so they are worth running at once
                self._in_memory = False
        return self._in_memory

    def ensure(self) -> None:
        for sub in ("tmp", "new", "cur", ENVELOPE_DIR):
            (self.base / sub).mkdir(parents=True, exist_ok=True, mode=0o700)

    def unique_name(self, queue_id: str, when: float) -> str:
        with _lock:
            n = next(_counter)
        return f"{int(when)}.P{_pid}Q{n}R{queue_id}.{_HOST}"

    def envelope_path(self, message: Path) -> Path:
        """Where the envelope of a message in new/ (or cur/, flags and all) is."""
        return Path(self._envelope, message.name.partition(":")[0] + ENVELOPE_SUFFIX)

    def deliver(self, data: bytes, queue_id: str, when: float, sidecar: Sidecar | None = None) -> Path:
        """Store `data` (and its envelope) durably; returns the path in new/."""
        [result] = self.commit([self.stage(data, queue_id, when, sidecar)])
        if isinstance(result, SpoolError):
            raise result
        return Path(result)

    def stage(
        self, data: bytes, queue_id: str, when: float, sidecar: Sidecar | None = None, keep_open: bool = True
    ) -> Staged:
        """Write one message into tmp/ and its envelope into envelope/; `commit` syncs and publishes it. A
        message that may wait long for its commit is closed at once (`keep_open` False): a session waiting
        for its 250 then holds no file open, and `commit` opens the files again to sync them (Linux reports
        a writeback error nobody has seen yet to a later opener too)."""
        name = self.unique_name(queue_id, when)
        tmp = self._tmp_slash + name
        envelope = None if sidecar is None else self._envelope_slash + name + ENVELOPE_SUFFIX
        fds: list[int] = []
        try:
            fds.append(self._create(tmp, data))
            if sidecar is not None and envelope is not None:
                fds.append(self._create(envelope, sidecar(name)))
        except OSError as exc:
            _close(fds)
            raise _failed(exc, (tmp,) if envelope is None else (tmp, envelope)) from exc
        if not keep_open:
            _close(fds)
            fds.clear()
        return Staged(tmp, self._new_slash + name, envelope, tuple(fds))

    def commit(self, staged: list[Staged], run: Runner | None = None) -> list[str | SpoolError]:
        """Publish staged messages: sync their files and envelope/ (through `run`, maybe at once), rename each
        whose files are durable into new/, fsync new/ — each directory once for the whole batch. Per message
        its path in new/ (a string: a Path each is a cost the disk thread need not pay) or the error;
        nothing of a failed one stays. The two halves, `make_durable` and `publish`, may run on different
        threads, a batch's publishing overlapping the next batch's syncs (groupcommit.py)."""
        return self.publish(staged, self.make_durable(staged, run))

    def _syncs(self) -> bool:
        # On tmpfs the kernel's fsync returns at once, having nothing to write: the calls are skipped (each
        # is a hand-over of the interpreter lock, which the event loop's thread pays for). A syncer passed
        # in is always called.
        return self._sync is not None or not self.in_memory

    def make_durable(self, staged: list[Staged], run: Runner | None = None) -> list[SpoolError | None]:
        """The first half of `commit`: sync each message's files and envelope/ (through `run`); per message
        None (durable, not yet visible) or its error (and its files removed). Closes the staged files."""
        syncs = self._syncs()
        sync = self._sync or _DATASYNC
        tasks: list[Callable[[], None]] = [
            functools.partial(sync, fd) if s.fds else functools.partial(_sync_file, path, sync)
            for s in (staged if syncs else ())
            for fd, path in itertools.zip_longest(s.fds, _files(s))
        ]
        envelopes = syncs and any(s.envelope is not None for s in staged)
        if envelopes:  # every envelope durable before any of its messages is visible
            tasks.append(lambda: _fsync_dir(self._envelope))  # looked up late: tests count syncs
        try:
            outcomes = (run or run_each)(tasks)
        finally:
            _close([fd for s in staged for fd in s.fds])
        if envelopes and (failed := outcomes[-1]) is not None:
            error = _failed(failed, [f for s in staged for f in _files(s)])
            return [error] * len(staged)
        durable: list[SpoolError | None] = []
        at = 0
        for s in staged:
            count = len(_files(s)) if syncs else 0
            failed = next((e for e in outcomes[at : at + count] if e is not None), None)
            at += count
            # A message whose files are not durable fails alone.
            durable.append(None if failed is None else _failed(failed, _files(s)))
        return durable

    def publish(self, staged: list[Staged], durable: list[SpoolError | None]) -> list[str | SpoolError]:
        """The second half of `commit`: rename each durable message into new/, then fsync new/ once."""
        results: list[str | SpoolError] = []
        for s, error in zip(staged, durable, strict=True):
            if error is not None:
                results.append(error)
                continue
            try:
                try:
                    os.rename(s.tmp, s.final)
                except FileNotFoundError:  # new/ went away meanwhile
                    self.ensure()
                    os.rename(s.tmp, s.final)
                results.append(s.final)
            except OSError as exc:
                results.append(_failed(exc, _files(s)))
        published = [(i, s) for i, s in enumerate(staged) if isinstance(results[i], str)]
        if published and self._syncs():
            try:
                _fsync_dir(self._new)
            except OSError as exc:
                error = _failed(exc, [f for _i, s in published for f in (s.final, *_files(s))])
                for i, _s in published:
                    results[i] = error
        return results

    def _create(self, path: str, data: bytes) -> int:
        """A new file holding `data`, still open; the spool is made again once if it was removed under us."""
        try:
            fd = os.open(path, _CREATE, 0o600)
        except FileNotFoundError:
            self.ensure()
            fd = os.open(path, _CREATE, 0o600)
        try:
            write = self._write or os.write
            written = write(fd, data)  # a regular file takes it all at once but on a full disk
            if written < len(data):
                view = memoryview(data)[written:]
                while view:
                    view = view[write(fd, view) :]
        except BaseException:
            os.close(fd)
            raise
        return fd


def file_system(path: str, mounts: str) -> str:
    """The type of the file system `path` (absolute, resolved) is on, by the longest mount point above it
    in `mounts` (the /proc/self/mounts format; the last of several mounts on one point is the one seen)."""
    best, kind = -1, ""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= best:
            best, kind = len(point), fields[2]
    return kind


def run_each(tasks: list[Callable[[], None]]) -> list[BaseException | None]:
    """The Runner that runs `tasks` one after another."""
    return [attempt(task) for task in tasks]


def attempt(task: Callable[[], None]) -> BaseException | None:
    """What `task` raised, or None: a failed sync fails the message it belongs to, not the batch."""
    try:
        task()
    except Exception as exc:
        return exc
    return None


def _sync_file(path: str, sync: Syncer) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        sync(fd)
    finally:
        os.close(fd)


def _close(fds: Iterable[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:  # closed either way; a write error shows in the sync before
            pass


def _files(staged: Staged) -> tuple[str, ...]:
    return (staged.tmp,) if staged.envelope is None else (staged.tmp, staged.envelope)


def _failed(exc: BaseException, leftovers: Iterable[str | Path]) -> SpoolError:
    # The client will retry after 4xx; a copy left in new/ would be delivered twice. The envelope goes
    # after the message: one left without its message only ever means "not accepted".
    for leftover in leftovers:
        with contextlib.suppress(OSError):
            os.unlink(leftover)
    full = isinstance(exc, OSError) and exc.errno in _FULL
    return SpoolError(replies.SPOOL_FULL if full else replies.SPOOL_ERROR, exc)


def _fsync_dir(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
