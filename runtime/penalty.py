"""AUTH penalties per client address, across sessions: slow a password guesser down, never lock anyone out.

Rule of this room: pure bookkeeping with an injected clock. Each failed AUTH from an address adds one to that
address's score; the score halves every `half_life` seconds. The address's AUTH answers (from any of its
sessions) are spaced at least `base * (2**score - 1)` seconds apart, capped at `cap` — one failure costs the
next answer `base`, two cost `3 * base`, three `7 * base`. The driver asks `hold()` before sending each
AUTH verdict and waits that long. It is a rate, not a queue: nobody waits longer than `cap`, and when the
address's next free slot is further away than that (many sessions guessing in parallel) the answer is
refused instead (None: the driver says 421 and closes, the verdict unsent), so parallel sessions share the
one rate — at most one verdict per `cap` once the spacing has reached it — and cannot push the wait of
everyone behind the same address (a NAT) past the cap. Only the guilty address pays: IPv4 addresses stand
alone, IPv6 addresses are grouped by /64 (one host usually owns a whole /64), and addresses that are not IP
(Unix sockets) are never penalised, nor are clients in Auth_Penalty_Exempt (their sessions' own delays
still apply). Memory is bounded: the least recently seen address is forgotten first, which can only ever
shorten a penalty. The arithmetic is `Entry.settle`, written once; where the entries live is a `Book`:
this process's (LocalBook), or one that every worker of a machine shares. A `Remote` (Redis,
penalty_redis.py) may keep them for many machines too; then `hold()` answers later (a Deferred), with the
stricter of the remote's answer and the machine's.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .config import SessionPolicy
from .events import AuthAttempted, AuthVerdict
from .policy import client_address

DEFAULT_MAX_ADDRESSES = 10_000
FORGET_BELOW = 0.01  # a score this small no longer delays anything worth remembering


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    base: float = 1.0
    cap: float = 30.0
    half_life: float = 300.0

    @classmethod
    def of(cls, policy: SessionPolicy) -> PenaltyRule:
        return cls(policy.auth_penalty_base, policy.auth_penalty_cap, policy.auth_penalty_half_life)

    def spacing(self, score: float) -> float:
        """Seconds between two AUTH answers to an address with this score."""
        if score <= 0 or self.base <= 0:
            return 0.0
        return min(self.cap, self.base * math.expm1(score * math.log(2)))  # base * (2**score - 1)


@dataclass(slots=True)
class Entry:
    """One address's record: the same three numbers wherever the table lives (this process, shared memory)."""

    score: float
    updated: float  # when `score` was last decayed
    not_before: float  # the address's next AUTH answer may not go out earlier

    def decay(self, now: float, rule: PenaltyRule) -> None:
        elapsed = now - self.updated
        if elapsed > 0:
            self.score *= 0.5 ** (elapsed / rule.half_life)
            self.updated = now

    def faded(self, now: float) -> bool:
        return self.score < FORGET_BELOW and self.not_before <= now

    def settle(self, now: float, failed: bool, rule: PenaltyRule) -> float | None:
        """The one computation of the penalty: decay, then the wait for this answer (None: refused, nothing
        counted); a failure raises the score and reserves the address's next slot."""
        self.decay(now, rule)
        slot = max(now, self.not_before)
        if slot - now > rule.cap:
            return None  # decided on the address alone, never on the verdict: a refusal tells nothing
        if failed:
            self.score += 1.0
            # Reserve the next slot now, so parallel sessions from one address are spaced out instead of all
            # answered at the same moment; the reservation ends at most 2 * cap ahead, and a session that
            # would have to wait past the cap is refused above, so the queue never grows.
            self.not_before = slot + rule.spacing(self.score)
        return slot - now


class Book(Protocol):
    """Where the entries live: this process's table, or one that every worker of a machine shares."""

    def settle(self, key: str, now: float, failed: bool, rule: PenaltyRule) -> float | None:
        """Entry.settle on `key`'s entry, atomically; a success for an unknown key records nothing."""
        ...

    def score(self, key: str, now: float, rule: PenaltyRule) -> float: ...

    def __len__(self) -> int: ...


@functools.lru_cache(maxsize=4096)  # asked at every AUTH and admission; formatting an address is Python code
def address_key(client_ip: str | None) -> str | None:
    """The unit a penalty applies to: the IPv4 address, the IPv6 /64, or None (not an IP: no penalty)."""
    addr = client_address(client_ip)
    if addr is None:
        return None
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


def exempt(client_ip: str | None, policy: SessionPolicy) -> bool:
    """Whether the client is in Auth_Penalty_Exempt: the address's penalty neither counts nor holds it."""
    addr = client_address(client_ip)
    return addr is not None and any(addr in network for network in policy.auth_penalty_exempt)


class LocalBook:
    """This process's entries: least recently seen first, at most `max_addresses` of them."""

    def __init__(self, max_addresses: int = DEFAULT_MAX_ADDRESSES) -> None:
        if max_addresses < 1:
            raise ValueError("max_addresses must be at least 1")
        self._max = max_addresses
        self._entries: OrderedDict[str, Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def settle(self, key: str, now: float, failed: bool, rule: PenaltyRule) -> float | None:
        entry = self._entries.get(key)
        if entry is None:
            if not failed:
                return 0.0
            entry = self._entries[key] = Entry(0.0, now, now)
        self._entries.move_to_end(key)
        wait = entry.settle(now, failed, rule)
        if wait is not None and not failed and entry.faded(now):
            del self._entries[key]
        self._evict(now, rule)
        return wait

    def score(self, key: str, now: float, rule: PenaltyRule) -> float:
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        entry.decay(now, rule)
        return entry.score

    def _evict(self, now: float, rule: PenaltyRule) -> None:
        """Drop the least recently seen addresses while over the bound or while their penalty has faded."""
        while self._entries:
            key, oldest = next(iter(self._entries.items()))
            oldest.decay(now, rule)
            if len(self._entries) <= self._max and not oldest.faded(now):
                return
            del self._entries[key]


class Deferred(Protocol):
    """An answer still on its way (an asyncio future, to the driver): the seconds to hold, or None: refuse."""

    def add_done_callback(self, fn: Callable[[Any], object], /) -> None: ...

    def result(self) -> float | None: ...


Finish = Callable[[float | None], float | None]


class Remote(Protocol):
    """A table kept beyond this machine (Redis), asked for every verdict that the machine's table settles."""

    url: str

    def ask(self, key: str, failed: bool, rule: PenaltyRule, machine: float | None, finish: Finish) -> Deferred | None:
        """`finish` of the stricter of its answer and `machine`'s (the machine's table's, which alone stands
        while the remote cannot answer), later; None: it is known to be down now, `machine` stands."""
        ...

    async def close(self) -> None: ...


class AuthPenalty:
    def __init__(
        self,
        clock: Callable[[], float],
        max_addresses: int = DEFAULT_MAX_ADDRESSES,
        book: Book | None = None,
    ) -> None:
        self._clock = clock
        self.book: Book = LocalBook(max_addresses) if book is None else book
        self.remote: Remote | None = None

    def __len__(self) -> int:
        return len(self.book)

    def hold(
        self, client_ip: str | None, event: AuthAttempted | AuthVerdict, policy: SessionPolicy
    ) -> float | Deferred | None:
        """Seconds to hold back the answer to this AUTH exchange: the session's own delay or the address's
        penalty, whichever is longer; None: refuse it (no slot within the cap); with a remote table, that
        answer later (Deferred). An abandoned exchange has no answer to hold, nor one whose verdict went out
        earlier (judged)."""
        if event.abandoned or event.judged:
            return 0.0
        if policy.auth_penalty_exempt and exempt(client_ip, policy):
            return event.delay
        key = address_key(client_ip)
        if key is None:  # not an IP (a Unix socket): no address to penalise
            return event.delay
        rule = PenaltyRule.of(policy)
        wait = self.book.settle(key, self._clock(), event.penalised, rule)  # the machine's table: always kept

        def finish(wait: float | None) -> float | None:
            return None if wait is None else max(event.delay, wait)

        if self.remote is not None:
            pending = self.remote.ask(key, event.penalised, rule, wait, finish)
            if pending is not None:
                return pending
        return finish(wait)

    def answer_delay(self, client_ip: str | None, failed: bool, rule: PenaltyRule) -> float | None:
        """Seconds to wait before sending this AUTH verdict, at most `rule.cap`; None when the address's next
        slot is further away (refuse the answer: nothing is counted). `failed` verdicts raise the score."""
        key = address_key(client_ip)
        if key is None:
            return 0.0
        return self.book.settle(key, self._clock(), failed, rule)

    def score(self, client_ip: str | None, rule: PenaltyRule) -> float:
        """The address's current (decayed) failure score; for tests and diagnostics."""
        key = address_key(client_ip)
        return 0.0 if key is None else self.book.score(key, self._clock(), rule)
