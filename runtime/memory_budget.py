"""A server-wide budget for message content held in memory, so that many sessions cannot exhaust it.

Rule of this room: plain counting, no I/O and no asyncio. Every session's DATA reader reserves from one
`MemoryBudget` as content arrives and gives it all back when the message is spooled, refused, or the
session ends, whichever way. A reader whose next bytes do not fit stops keeping content (it still reads to
the final dot) and the message gets `452 4.3.1`; MAIL FROM with a SIZE= that does not fit in what is free
gets the same at once. The budget is per process: with `--workers N` each worker has its own, so the
machine holds up to N times it.
"""

from __future__ import annotations

# 256 MiB: four messages of the hard 64 MiB cap, or about 25 of 10 MiB at once, in every worker; small
# enough for a machine with a few GiB, large enough that ordinary traffic never meets it.
DEFAULT_MESSAGE_MEMORY_BUDGET = 256 * 1024 * 1024


class MemoryBudget:
    """Bytes of message content the sessions of one process may hold in memory together."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = DEFAULT_MESSAGE_MEMORY_BUDGET) -> None:
        self.limit = limit
        self.used = 0

    def fits(self, size: int) -> bool:
        """Whether `size` more bytes would fit now (a MAIL FROM's SIZE= is checked, not reserved)."""
        return self.used + size <= self.limit


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
        budget = self._budget
        if budget.used + more > budget.limit:
            return False
        budget.used += more
        self.held = size
        return True

    def release(self) -> None:
        self._budget.used -= self.held
        self.held = 0
