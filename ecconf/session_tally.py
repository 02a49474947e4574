"""Listener_Sessions for the machine under `serve --workers N`: one count of open sessions that every worker
shares, so N workers admit no more than one server would.

Rule of this room: process plumbing only (a shared page and a lock, no SMTP, no policy). The parent maps
the table before it forks: one entry per listening address, in it one counter per worker, which only that
worker changes. A worker admits a session when the sum over all workers' counters is under the cap,
checking and counting under an fcntl record lock. The kernel drops such a lock when its holder dies, so a
worker killed in the middle leaves nothing held; and when the parent reaps a dead worker it zeroes that
worker's counters before it forks the replacement into the same place: the sessions died with it, so do
their counts. The table never forgets a listening address; past MAX_LISTENERS distinct ones (reloads that
keep adding addresses) a new address is counted by each worker alone, and the log says so.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import mmap
import tempfile

from .runtime.config import ListenAddress

log = logging.getLogger("ecconf.serve")

MAX_LISTENERS = 256
_KEY = 16  # bytes of an address's digest, at the head of its entry (all zeros: a free entry)
_FREE = bytes(_KEY)


def _digest(address: ListenAddress) -> bytes:
    return hashlib.blake2b(repr(address).encode(), digest_size=_KEY).digest()


class SessionTable:
    """The table itself, made by the parent before any worker is forked (the mapping is inherited)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._entry = _KEY + 4 * workers
        self._file = tempfile.TemporaryFile(prefix="ecconf-sessions-")  # as long as the table
        size = self._entry * MAX_LISTENERS
        self._file.truncate(size)
        self._map = mmap.mmap(self._file.fileno(), size)
        self._counts = memoryview(self._map).cast("i")  # int32 view; each entry's counters follow its key

    def worker(self, index: int) -> WorkerTally:
        """The view worker `index` (0 <= index < workers) counts its sessions through."""
        if not 0 <= index < self.workers:
            raise ValueError(f"no worker {index}")
        return WorkerTally(self, index)

    def clear(self, index: int) -> None:
        """Worker `index` has died: its sessions are gone, its counters go back to 0 (parent only)."""
        with self._locked():
            for entry in range(MAX_LISTENERS):
                base = entry * self._entry
                if self._map[base : base + _KEY] != _FREE:
                    self._counts[self._cell(base, index)] = 0

    def open_sessions(self, address: ListenAddress) -> int:
        """Sessions open on the listener at `address` over all workers; for tests and logs."""
        base = self._find(_digest(address), claim=False)
        return 0 if base is None else self._total(base)

    # ----- for WorkerTally ------------------------------------------------------------------------------

    def _cell(self, base: int, index: int) -> int:
        return (base + _KEY) // 4 + index

    def _total(self, base: int) -> int:
        first = (base + _KEY) // 4
        return sum(self._counts[first : first + self.workers])

    def _find(self, key: bytes, claim: bool) -> int | None:
        """The byte offset of the entry for `key`; with `claim` (under the lock) a free entry becomes it."""
        for entry in range(MAX_LISTENERS):
            base = entry * self._entry
            head = self._map[base : base + _KEY]
            if head == key:
                return base
            if head == _FREE:
                if not claim:
                    return None
                self._map[base : base + _KEY] = key
                return base
        return None

    def _locked(self) -> _Lock:
        return _Lock(self._file.fileno())


class _Lock:
    """An exclusive fcntl record lock on the table's file: per process, never inherited by a fork, and
    released by the kernel if its holder dies."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_UN)


class WorkerTally:
    """One worker's side of the table (runtime.admission.Tally)."""

    def __init__(self, table: SessionTable, index: int) -> None:
        self._table, self._index = table, index
        self._cells: dict[ListenAddress, int | None] = {}  # address -> this worker's counter (None: untracked)

    def admit(self, address: ListenAddress, cap: int) -> bool:
        table = self._table
        with table._locked():
            cell = self._cell(address)
            if cell is None:
                return True  # the table is full: this address is counted by each worker alone
            base = (cell - self._index) * 4 - _KEY
            if cap and table._total(base) >= cap:
                return False
            table._counts[cell] += 1
        return True

    def release(self, address: ListenAddress) -> None:
        cell = self._cells.get(address)
        if cell is not None:  # only this worker writes its counter: no lock needed to lower it
            self._table._counts[cell] -= 1

    def _cell(self, address: ListenAddress) -> int | None:
        if address not in self._cells:
            base = self._table._find(_digest(address), claim=True)
            if base is None:
                log.warning("more than %d listening addresses: %s is counted per worker", MAX_LISTENERS, address)
                self._cells[address] = None
            else:
                self._cells[address] = self._table._cell(base, self._index)
        return self._cells[address]
