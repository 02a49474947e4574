"""Message_Memory_Budget for the machine under `serve --workers N`: one count of the message bytes every
worker holds, so N workers hold no more than one server would.

Rule of this room: process plumbing only (a shared page and a lock, no SMTP). The parent maps the page
before it forks: one 64-bit counter per worker, which only that worker raises or lowers (runtime's
MemoryBudget claims whole slabs, so this is touched about once a megabyte of content). A claim sums every
counter and adds to its own under the fcntl record lock that session_tally.py uses, which the kernel drops if
its holder dies; giving back lowers its own counter alone. When the parent reaps a dead worker it zeroes
that worker's counter before it forks the replacement: the messages died with it.
"""

from __future__ import annotations

import mmap
import tempfile

from .runtime.memory_budget import MemoryPool
from .session_tally import _Lock


class SharedMemoryPool:
    """The page itself, made by the parent before any worker is forked (the mapping is inherited)."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self._file = tempfile.TemporaryFile(prefix="ecconf-memory-")  # as long as the pool
        self._file.truncate(8 * workers)
        self._map = mmap.mmap(self._file.fileno(), 8 * workers)
        self._counts = memoryview(self._map).cast("q")

    def worker(self, index: int) -> MemoryPool:
        """The view worker `index` (0 <= index < workers) claims through."""
        if not 0 <= index < self.workers:
            raise ValueError(f"no worker {index}")
        return _WorkerPool(self, index)

    def claimed(self) -> int:
        """Every worker's claims together."""
        return sum(self._counts)

    def clear(self, index: int) -> None:
        """Worker `index` has died: what it held is gone (parent only)."""
        with _Lock(self._file.fileno()):
            self._counts[index] = 0

    def _claim(self, index: int, size: int, limit: int) -> bool:
        with _Lock(self._file.fileno()):
            if sum(self._counts) + size > limit:
                return False
            self._counts[index] += size
            return True

    def _give_back(self, index: int, size: int) -> None:
        # Only this worker writes its counter, and an aligned 8-byte store is seen whole: no lock needed.
        self._counts[index] = max(0, self._counts[index] - size)


class _WorkerPool:
    """One worker's side of the pool (runtime.memory_budget.MemoryPool)."""

    __slots__ = ("_index", "_pool")

    def __init__(self, pool: SharedMemoryPool, index: int) -> None:
        self._pool, self._index = pool, index

    def claim(self, size: int, limit: int) -> bool:
        return self._pool._claim(self._index, size, limit)

    def give_back(self, size: int) -> None:
        self._pool._give_back(self._index, size)

    def claimed(self) -> int:
        return self._pool.claimed()
