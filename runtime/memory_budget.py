"""A budget for message content held in memory, so that many sessions cannot exhaust it.

Rule of this room: plain counting, no I/O and no asyncio. Every session's DATA reader reserves from one
`MemoryBudget` as content arrives and gives it all back when the message is spooled, refused, or the
session ends, whichever way. A reader whose next bytes do not fit stops keeping content (it still reads to
the final dot) and the message gets `452 4.3.1`; MAIL FROM with a SIZE= that does not fit in what is free
gets the same at once. The limit holds for the machine: under `serve --workers N` each worker's budget
draws from one `MemoryPool` the workers share (ecconf/memory_pool.py), in slabs (a 256th of the limit, at
most SLAB bytes) so that the shared count is touched about once a megabyte, not once a chunk; a worker keeps
at most two slabs it does not use, and none once its sessions hold nothing. Without a pool the budget is the
process's own.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# 256 MiB: four messages of the hard 64 MiB cap, or about 25 of 10 MiB at once; small enough for a machine
# with a few GiB, large enough that ordinary traffic never meets it.
DEFAULT_MESSAGE_MEMORY_BUDGET = 256 * 1024 * 1024
# The most a worker claims from the shared pool at a time. A worker may so hold up to two slabs it does not
# use while another is refused: with N workers, at most N/128 of the limit.
SLAB = 1024 * 1024
MIN_SLAB = 4096


@runtime_checkable
class MemoryPool(Protocol):
    """Bytes claimed by all the processes that serve one config together (each names only its own)."""

    def claim(self, size: int, limit: int) -> bool:
        """Add `size` to this process's claim if every process's claims together stay within `limit`."""
        ...

    def give_back(self, size: int) -> None:
        """Lower this process's claim by `size` (never below what it claimed)."""
        ...

    def claimed(self) -> int:
        """Every process's claims together, now."""
        ...


class MemoryBudget:
    """Bytes of message content the sessions of this process may hold; with a pool, those of the machine."""

    __slots__ = ("_claimed", "_pool", "limit", "used")

    def __init__(self, limit: int = DEFAULT_MESSAGE_MEMORY_BUDGET, pool: MemoryPool | None = None) -> None:
        self.limit = limit
        self.used = 0  # held by this process's sessions
        self._pool = pool
        self._claimed = 0  # of the pool, by this process: at least `used`

    def fits(self, size: int) -> bool:
        """Whether `size` more bytes would fit now (a MAIL FROM's SIZE= is checked, not reserved)."""
        if self._pool is None:
            return self.used + size <= self.limit
        spare = self._claimed - self.used  # claimed by this process, not yet used: free for it
        return self._pool.claimed() - spare + size <= self.limit

    def take(self, more: int) -> bool:
        """Hold `more` bytes, or nothing (False) when they do not fit."""
        used = self.used + more
        pool = self._pool
        if pool is None:
            if used > self.limit:
                return False
        elif used > self._claimed:
            short = used - self._claimed
            slab = self._slab()
            slabs = -(-short // slab) * slab
            if pool.claim(slabs, self.limit):
                self._claimed += slabs
            elif pool.claim(short, self.limit):  # near the limit: just what it needs
                self._claimed += short
            else:
                return False
        self.used = used
        return True

    def give(self, size: int) -> None:
        """Give back `size` bytes held; the pool gets back all that is not in use beyond one slab (all of it
        when nothing is in use)."""
        self.used -= size
        pool = self._pool
        if pool is None:
            return
        slab = self._slab()
        spare = self._claimed - self.used
        if self.used and spare <= 2 * slab:
            return
        if self.used:
            spare -= slab
        if spare:
            pool.give_back(spare)
            self._claimed -= spare

    def _slab(self) -> int:
        """What to claim from the pool at a time: a 256th of the limit, within [MIN_SLAB, SLAB]."""
        return max(MIN_SLAB, min(SLAB, self.limit // 256))


class Reservation:
    """One DATA phase's share of the budget; `held` bytes until `release()`."""

    __slots__ = ("_budget", "held")

    def __init__(self, budget: MemoryBudget) -> None:
        self._budget = budget
        self.held = 0

    def grow_to(self, size: int) -> bool:
        """Hold `size` bytes in all; False (holding what it held) when the budget cannot give the rest."""
        more = size - self.held
        if more <= 0:
            return True
        if not self._budget.take(more):
            return False
        self.held = size
        return True

    def release(self) -> None:
        if self.held:
            self._budget.give(self.held)
            self.held = 0
