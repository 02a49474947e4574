"""A big string-keyed table that never holds the interpreter for long: a dict split in 256 by hash.

Rule of this room: a plain data structure, no I/O. Look-ups cost what a dict's cost (one hash, which
strings cache, picks the shard): constant time at any size. What it avoids are the two long pauses of one
huge dict, each a single C call that holds the GIL while other threads wait: growing past a power of two
(about 40 ms at a million entries) and freeing it (about 35 ms). A server that re-reads a million users in a
worker thread would stall every session that long; in shards each step is a fraction of a millisecond,
and `release` frees an old table (sharded or not) piece by piece with pauses in between. Filling one costs
more than a dict (a Python method per entry), so a store builds one only when it reloads while serving.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

_SHARDS = 256  # a power of two


class ShardedDict:
    __slots__ = ("_shards",)

    def __init__(self) -> None:
        self._shards: list[dict[str, str]] = [{} for _ in range(_SHARDS)]

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._shards[hash(key) & (_SHARDS - 1)].get(key, default)

    def __getitem__(self, key: str) -> str:
        return self._shards[hash(key) & (_SHARDS - 1)][key]

    def __setitem__(self, key: str, value: str) -> None:
        self._shards[hash(key) & (_SHARDS - 1)][key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._shards[hash(key) & (_SHARDS - 1)]

    def __len__(self) -> int:
        return sum(map(len, self._shards))

    def __iter__(self) -> Iterator[str]:
        for shard in self._shards:
            yield from shard

    def values(self) -> Iterator[str]:
        for shard in self._shards:
            yield from shard.values()

    def release_steps(self) -> Iterator[None]:
        """Empty the table a shard at a time, yielding after each."""
        shards = self._shards
        while shards:
            shards.pop().clear()
            yield


def release_steps(table: dict[str, str] | ShardedDict) -> Iterator[None]:
    """Free a table that no reader can still be looking at, a shard or a few thousand entries at a time,
    yielding in between (a plain dict gives up its entries with popitem, which never resizes it)."""
    if isinstance(table, ShardedDict):
        yield from table.release_steps()
        return
    while table:
        for _ in range(min(4096, len(table))):
            table.popitem()
        yield


def release(table: dict[str, str] | ShardedDict, pause: float) -> None:
    """`release_steps` in one go, resting about `pause` seconds in all."""
    steps = max(1, len(table) // 4096) if not isinstance(table, ShardedDict) else _SHARDS
    for _ in release_steps(table):
        time.sleep(pause / steps)
