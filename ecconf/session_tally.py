"""Listener_Sessions and Max_Connections_Per_Address for the machine under `serve --workers N`: one count of
open sessions that every worker shares, so N workers admit no more than one server would.

Rule of this room: process plumbing only (a shared page and a lock, no SMTP, no policy). The parent maps
the table before it forks: one entry per listening address, in it one counter per worker, which only that
worker changes. A worker admits a session when the sum over all workers' counters is under the cap,
checking and counting under an fcntl record lock. The kernel drops such a lock when its holder dies, so a
worker killed in the middle leaves nothing held; and when the parent reaps a dead worker it zeroes that
worker's counters before it forks the replacement into the same place: the sessions died with it, so do
their counts. The table never forgets a listening address; past MAX_LISTENERS distinct ones (reloads that
keep adding addresses) a new address is counted by each worker alone, and the log says so. Beside it, a
ClientTable counts each worker's sessions per (listener, client address) for Max_Connections_Per_Address,
with the same lock and the same clearing; an entry with no session open is free again, and a pair that
finds no room (MAX_CLIENTS pairs with sessions open) is counted by its worker alone, as the log says.
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
MAX_CLIENTS = 10_000  # (listener, client address) pairs counted at once for Max_Connections_Per_Address
WINDOW = 16  # entries a pair may occupy, from its hash on
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
        self.clients = ClientTable(workers)

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
        self.clients.clear(index)

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


class ClientTable:
    """Sessions open per (listener, client address key), per worker: Max_Connections_Per_Address for the
    machine. A pair may sit in any of the WINDOW entries from its hash on; an entry whose counters are all 0
    is free, whatever key it holds, so the table only ever holds the pairs with sessions open."""

    def __init__(self, workers: int, size: int = MAX_CLIENTS) -> None:
        self.workers, self._size = workers, size
        self._entry = _KEY + 4 * workers
        self._file = tempfile.TemporaryFile(prefix="ecconf-clients-")
        self._file.truncate(self._entry * size)
        self._map = mmap.mmap(self._file.fileno(), self._entry * size)
        self._counts = memoryview(self._map).cast("i")

    def admit(self, index: int, address: ListenAddress, client: str, cap: int) -> bool | None:
        """Count one more session of `client` for worker `index` unless `cap` are open over all workers;
        None: no room for the pair in the table (the caller counts it alone)."""
        key = hashlib.blake2b(repr((address, client)).encode(), digest_size=_KEY).digest()
        with _Lock(self._file.fileno()):
            free = None
            start = int.from_bytes(key[:8], "little") % self._size
            for step in range(min(WINDOW, self._size)):
                base = ((start + step) % self._size) * self._entry
                first = (base + _KEY) // 4
                total = sum(self._counts[first : first + self.workers])
                if self._map[base : base + _KEY] == key:
                    if total >= cap:
                        return False
                    self._counts[first + index] += 1
                    return True
                if total == 0 and free is None:
                    free = base
            if free is None:
                return None
            self._map[free : free + _KEY] = key
            self._counts[(free + _KEY) // 4 + index] = 1
            return True

    def release(self, index: int, address: ListenAddress, client: str) -> None:
        key = hashlib.blake2b(repr((address, client)).encode(), digest_size=_KEY).digest()
        with _Lock(self._file.fileno()):
            start = int.from_bytes(key[:8], "little") % self._size
            for step in range(min(WINDOW, self._size)):
                base = ((start + step) % self._size) * self._entry
                cell = (base + _KEY) // 4 + index
                if self._map[base : base + _KEY] == key and self._counts[cell] > 0:
                    self._counts[cell] -= 1
                    return

    def open_sessions(self, address: ListenAddress, client: str) -> int:
        """Sessions open for the pair over all workers; for tests and logs."""
        key = hashlib.blake2b(repr((address, client)).encode(), digest_size=_KEY).digest()
        start = int.from_bytes(key[:8], "little") % self._size
        for step in range(min(WINDOW, self._size)):
            base = ((start + step) % self._size) * self._entry
            if self._map[base : base + _KEY] == key:
                first = (base + _KEY) // 4
                return sum(self._counts[first : first + self.workers])
        return 0

    def clear(self, index: int) -> None:
        with _Lock(self._file.fileno()):
            for entry in range(self._size):
                self._counts[(entry * self._entry + _KEY) // 4 + index] = 0


class WorkerTally:
    """One worker's side of the table (runtime.admission.Tally and ClientTally)."""

    def __init__(self, table: SessionTable, index: int) -> None:
        self._table, self._index = table, index
        self._cells: dict[ListenAddress, int | None] = {}  # address -> this worker's counter (None: untracked)
        self._full_logged = False

    def admit_client(self, address: ListenAddress, client: str, cap: int) -> bool | None:
        admitted = self._table.clients.admit(self._index, address, client, cap)
        if admitted is None and not self._full_logged:
            self._full_logged = True
            log.warning("more than %d client addresses with sessions open: some are counted per worker", MAX_CLIENTS)
        return admitted

    def release_client(self, address: ListenAddress, client: str) -> None:
        self._table.clients.release(self._index, address, client)

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
