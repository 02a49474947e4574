"""ds_core's answer cache: lives, a shorter life for no, LRU bound, keys that hold no password."""

from __future__ import annotations

from ecconf.runtime.datasources.cache import NEGATIVE_LIFE, AnswerCache, CachePolicy
from ecconf.runtime.datasources.query import AuthParams


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_positive_answers_live_cache_life_and_negative_ones_less() -> None:
    clock = Clock()
    cache = AnswerCache(CachePolicy(size=10, life=3600), clock)
    yes, no = cache.key("s", AuthParams("alice", "right")), cache.key("s", AuthParams("alice", "wrong"))
    cache.put(yes, True)
    cache.put(no, False)
    assert cache.fresh(yes) is True and cache.fresh(no) is False
    clock.now += NEGATIVE_LIFE
    assert cache.fresh(no) is None and cache.fresh(yes) is True
    clock.now += 3600
    assert cache.fresh(yes) is None
    assert cache.stale_positive(yes) and not cache.stale_positive(no)


def test_a_wrong_password_never_meets_a_positive_entry_and_keys_hold_no_password() -> None:
    cache = AnswerCache(CachePolicy(), Clock())
    right = cache.key("s", AuthParams("alice", "right-password"))
    cache.put(right, True)
    assert cache.fresh(cache.key("s", AuthParams("alice", "right-passwore"))) is None
    assert cache.fresh(cache.key("other", AuthParams("alice", "right-password"))) is None
    assert b"right-password" not in right and len(right) == 32
    # Another cache (another process) makes other keys from the same attempt: nothing to precompute.
    assert AnswerCache(CachePolicy(), Clock()).key("s", AuthParams("alice", "right-password")) != right


def test_size_bound_drops_the_oldest_and_no_cache_keeps_nothing() -> None:
    cache = AnswerCache(CachePolicy(size=2), Clock())
    keys = [cache.key("s", AuthParams(f"u{i}", "p")) for i in range(3)]
    for key in keys:
        cache.put(key, True)
    assert len(cache) == 2 and cache.fresh(keys[0]) is None and cache.fresh(keys[2]) is True
    cache.put(keys[2], False)  # the datasource now says no: the newer answer wins
    assert cache.fresh(keys[2]) is False and not cache.stale_positive(keys[2])
    off = AnswerCache(CachePolicy(enabled=False), Clock())
    off.put(keys[0], True)
    assert len(off) == 0


def test_a_flood_of_wrong_passwords_never_pushes_out_positive_answers() -> None:
    clock = Clock()
    cache = AnswerCache(CachePolicy(size=100), clock)
    right = cache.key("s", AuthParams("alice", "right"))
    cache.put(right, True)
    for i in range(1000):
        cache.put(cache.key("s", AuthParams("alice", f"guess{i}")), False)
    clock.now += 7200  # past its life, while the datasource is down
    assert cache.stale_positive(right) and len(cache) == 101
