"""The AUTH penalty for the machine under `serve --workers N`: one table of client addresses that every
worker shares, so a guesser gets the same delays whichever worker the kernel hands its connection to.

Rule of this room: process plumbing only (a shared page and a lock); the penalty's arithmetic is
runtime/penalty.py's `Entry.settle`, run here on an entry read from the page and written back under an fcntl
record lock, which the kernel drops if its holder dies. The parent maps the table before it forks. It is a
fixed-size hash table of DEFAULT_MAX_ADDRESSES entries, each an address's digest and its score, last decay,
next free slot and when it was last seen: an address may sit in any of the WINDOW entries from its hash on,
and takes a free or faded one there, else the one seen longest ago (forgetting an address only ever
shortens its penalty). Entries outlive the worker that wrote them: the clock is CLOCK_MONOTONIC, one for
every process of the machine, and a penalty does not end when a worker is replaced.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import tempfile

from .runtime.penalty import DEFAULT_MAX_ADDRESSES, Entry, PenaltyRule
from .session_tally import _Lock

WINDOW = 16  # entries an address may occupy, from its hash on
_KEY = 16  # bytes of an address key's digest, at the head of its entry (all zeros: a free entry)
_FREE = bytes(_KEY)
_ENTRY = struct.Struct(f"{_KEY}s4d")  # digest, score, updated, not_before, seen


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=_KEY).digest()


class SharedBook:
    """runtime.penalty.Book over a page every worker maps (made by the parent, inherited by each fork)."""

    def __init__(self, max_addresses: int = DEFAULT_MAX_ADDRESSES) -> None:
        if max_addresses < 1:
            raise ValueError("max_addresses must be at least 1")
        self._slots = max_addresses
        self._file = tempfile.TemporaryFile(prefix="ecconf-penalty-")  # as long as the table
        size = _ENTRY.size * max_addresses
        self._file.truncate(size)
        self._map = mmap.mmap(self._file.fileno(), size)

    def __len__(self) -> int:
        size = _ENTRY.size
        return sum(self._map[i * size : i * size + _KEY] != _FREE for i in range(self._slots))

    def settle(self, key: str, now: float, failed: bool, rule: PenaltyRule) -> float | None:
        digest = _digest(key)
        with _Lock(self._file.fileno()):
            place, found = self._find(digest, now, rule)
            if found is None:
                if not failed:
                    return 0.0
                found = Entry(0.0, now, now)
            wait = found.settle(now, failed, rule)
            if wait is not None and not failed and found.faded(now):
                self._write(place, _FREE, Entry(0.0, 0.0, 0.0), 0.0)
            else:
                self._write(place, digest, found, now)
            return wait

    def score(self, key: str, now: float, rule: PenaltyRule) -> float:
        with _Lock(self._file.fileno()):
            _place, found = self._find(_digest(key), now, rule, claim=False)
        if found is None:
            return 0.0
        found.decay(now, rule)
        return found.score

    def _find(self, digest: bytes, now: float, rule: PenaltyRule, claim: bool = True) -> tuple[int, Entry | None]:
        """The entry for `digest` and its place; else (None) the place a new one takes: a free entry, a faded
        one, or the one seen longest ago in the address's window."""
        start = int.from_bytes(digest[:8], "little") % self._slots
        best, best_seen = start, float("inf")
        for step in range(min(WINDOW, self._slots)):
            place = (start + step) % self._slots
            head, score, updated, not_before, seen = _ENTRY.unpack_from(self._map, place * _ENTRY.size)
            if head == digest:
                return place, Entry(score, updated, not_before)
            if not claim:
                continue
            if head == _FREE:
                seen = float("-inf")
            else:
                other = Entry(score, updated, not_before)
                other.decay(now, rule)
                if other.faded(now):
                    seen = float("-inf")
            if seen < best_seen:
                best, best_seen = place, seen
        return best, None

    def _write(self, place: int, digest: bytes, entry: Entry, seen: float) -> None:
        _ENTRY.pack_into(self._map, place * _ENTRY.size, digest, entry.score, entry.updated, entry.not_before, seen)
