"""ds_core's answer cache for auth_ds: bounded, timed, and keyed so that no password is ever held.

Rule of this room: pure bookkeeping with an injected clock. An entry is keyed by an HMAC (with a key made
for this cache and kept only in memory) over the scheme and every field of the AUTH attempt, the password
included: a wrong password gives another key, so it can never hit a positive entry, and the cache holds no
password nor a hash that could be checked offline without the in-memory key. Positive answers live
`cache_life` seconds (ds_core's default 3600), negative ones at most NEGATIVE_LIFE, so a user who just fixed a
typo or was just added is not refused for an hour. A positive answer past its life is not served as fresh,
but stays (while `cache_size` allows) to be served when the datasource cannot answer (as Dovecot does).
Positive and negative answers are bounded apart, so wrong guesses cannot push the positive ones out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .query import AuthParams

CACHE_SIZE = 1000  # ds_core's cache_size default
CACHE_LIFE = 3600.0  # ds_core's cache_life default, seconds
NEGATIVE_LIFE = 60.0  # seconds a "no" is kept at most (never longer than cache_life)


@dataclass(frozen=True, slots=True)
class CachePolicy:
    size: int = CACHE_SIZE
    life: float = CACHE_LIFE
    enabled: bool = True  # ds_core's no_cache = true turns it off

    @property
    def negative_life(self) -> float:
        return min(self.life, NEGATIVE_LIFE)


class AnswerCache:
    """Positive and negative answers in two LRUs of `cache_size` each, so a flood of wrong passwords (each
    its own key) can never push out the positive answers that are served while the datasource is down."""

    def __init__(self, policy: CachePolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self._clock = clock
        self._key = os.urandom(32)
        self._yes: OrderedDict[bytes, float] = OrderedDict()  # key -> expiry
        self._no: OrderedDict[bytes, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._yes) + len(self._no)

    def key(self, scheme: str, params: AuthParams) -> bytes:
        fields = (scheme, params.username, params.password, params.realm, params.crypt, params.nonce)
        message = b"\x00".join(f.encode("utf-8", "surrogatepass") for f in (*fields, params.digest_uri, params.uri))
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def fresh(self, key: bytes) -> bool | None:
        """The cached answer while it is within its life; None when there is none."""
        now = self._clock()
        for entries, answer in ((self._yes, True), (self._no, False)):
            expires = entries.get(key)
            if expires is not None and expires > now:
                entries.move_to_end(key)
                return answer
        return None

    def stale_positive(self, key: bytes) -> bool:
        """Whether a positive answer, even one past its life, is there to serve while the datasource is down."""
        return key in self._yes

    def put(self, key: bytes, ok: bool) -> None:
        if not self.policy.enabled or self.policy.size <= 0:
            return
        entries, other = (self._yes, self._no) if ok else (self._no, self._yes)
        other.pop(key, None)  # the datasource changed its mind: the newer answer wins
        entries[key] = self._clock() + (self.policy.life if ok else self.policy.negative_life)
        entries.move_to_end(key)
        while len(entries) > self.policy.size:
            entries.popitem(last=False)

    def clear(self) -> None:
        self._yes.clear()
        self._no.clear()
