"""The per-address AUTH penalty: exponential, capped, decaying, per address (IPv6 per /64), bounded memory."""

from __future__ import annotations

import itertools

import pytest

from ecconf.runtime.config import SessionPolicy
from ecconf.runtime.events import AuthAttempted
from ecconf.runtime.penalty import AuthPenalty, PenaltyRule, address_key

RULE = PenaltyRule(base=1.0, cap=30.0, half_life=300.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_first_failure_is_answered_at_once_then_answers_are_spaced_exponentially(clock):
    penalty = AuthPenalty(clock)
    assert penalty.answer_delay("192.0.2.1", True, RULE) == 0.0  # failure 1: no wait, next slot at +1
    assert penalty.answer_delay("192.0.2.1", True, RULE) == pytest.approx(1.0)  # failure 2 waits 1, next +3
    clock.now += 1.0
    assert penalty.answer_delay("192.0.2.1", True, RULE) == pytest.approx(3.0, rel=0.01)  # waits 3, next +7
    clock.now += 3.0
    assert penalty.answer_delay("192.0.2.1", False, RULE) == pytest.approx(7.0, rel=0.01)  # a success waits too


def test_parallel_sessions_share_one_rate_and_nobody_waits_longer_than_the_cap(clock):
    # 50 sessions from one address failing in parallel for 30 s (the finding: the queue grew to 30 976 s).
    penalty = AuthPenalty(clock)
    answered, refused, waits = 0, 0, []
    for _ in range(300):  # 10 answers a second asked for, whatever the server can give
        for _ in range(50):
            wait = penalty.answer_delay("192.0.2.1", True, RULE)
            if wait is None:
                refused += 1
            else:
                answered += 1
                waits.append(wait)
        clock.now += 0.1
    assert max(waits) <= RULE.cap  # never held longer than the cap
    # The rate stays bounded: once the spacing reached the cap, one verdict per cap, however many ask.
    assert answered <= 30 / RULE.cap + 6 and refused > 14_000
    later = penalty.answer_delay("192.0.2.1", False, RULE)  # the next answer to that address...
    assert later is None or later <= RULE.cap  # ...is held at most the cap (or refused at once)
    clock.now += 2 * RULE.cap
    assert penalty.answer_delay("192.0.2.1", False, RULE) == 0.0  # once the burst stops, the queue is gone


def test_a_refused_answer_costs_nothing_and_reveals_nothing(clock):
    penalty = AuthPenalty(clock)
    rule = PenaltyRule(base=1.0, cap=2.0, half_life=300.0)
    for _ in range(3):
        penalty.answer_delay("192.0.2.1", True, rule)
    score = penalty.score("192.0.2.1", rule)
    # The next slot is beyond the cap: refused alike for a right and a wrong guess, and nothing counted.
    assert penalty.answer_delay("192.0.2.1", True, rule) is None
    assert penalty.answer_delay("192.0.2.1", False, rule) is None
    assert penalty.score("192.0.2.1", rule) == score


def test_a_success_waits_for_the_same_slot_as_a_failure(clock):
    penalty = AuthPenalty(clock)
    penalty.answer_delay("192.0.2.1", True, RULE)
    assert penalty.answer_delay("192.0.2.1", False, RULE) == pytest.approx(1.0)
    assert penalty.answer_delay("192.0.2.1", True, RULE) == pytest.approx(1.0)  # the success took no slot


def test_spacing_is_capped(clock):
    penalty = AuthPenalty(clock)
    slots = []
    for _ in range(20):  # one client that waits for each answer before it tries again
        wait = penalty.answer_delay("192.0.2.1", True, RULE)
        assert wait is not None
        clock.now += wait
        slots.append(clock.now)
    steps = [b - a for a, b in itertools.pairwise(slots)]
    assert steps[:4] == pytest.approx([1.0, 3.0, 7.0, 15.0], rel=0.05)
    assert max(steps) == 30.0 and steps[-1] == 30.0


def test_failures_decay_with_the_half_life(clock):
    penalty = AuthPenalty(clock)
    for _ in range(4):
        penalty.answer_delay("192.0.2.1", True, RULE)
    assert penalty.score("192.0.2.1", RULE) == pytest.approx(4.0)
    clock.now += 300
    assert penalty.score("192.0.2.1", RULE) == pytest.approx(2.0)
    clock.now += 3000
    assert penalty.answer_delay("192.0.2.1", False, RULE) == 0.0  # long quiet: no wait left
    assert len(penalty) == 0  # and nothing left to remember


def test_other_addresses_are_never_held_back(clock):
    penalty = AuthPenalty(clock)
    for _ in range(10):
        penalty.answer_delay("192.0.2.1", True, RULE)
        penalty.answer_delay("2001:db8:1:2::1", True, RULE)
    assert penalty.answer_delay("192.0.2.2", False, RULE) == 0.0
    assert penalty.answer_delay("192.0.2.2", True, RULE) == 0.0
    assert penalty.answer_delay("2001:db8:1:3::1", True, RULE) == 0.0  # another /64


def test_ipv6_is_grouped_by_64_and_mapped_ipv4_is_ipv4():
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("") is None and address_key("not-an-ip") is None


def test_unix_socket_clients_are_not_penalised(clock):
    penalty = AuthPenalty(clock)
    for _ in range(5):
        assert penalty.answer_delay("", True, RULE) == 0.0
    assert len(penalty) == 0


def test_memory_is_bounded_and_eviction_only_forgets(clock):
    penalty = AuthPenalty(clock, max_addresses=100)
    for i in range(1000):
        penalty.answer_delay(f"10.0.{i // 256}.{i % 256}", True, RULE)
        assert len(penalty) <= 100
    # The most recent addresses are still remembered; the oldest were forgotten (which only shortens waits).
    assert penalty.score("10.0.3.231", RULE) > 0.9
    assert penalty.score("10.0.0.0", RULE) == 0.0


def test_rule_comes_from_the_session_policy():
    policy = SessionPolicy(auth_penalty_base=0.5, auth_penalty_cap=4.0, auth_penalty_half_life=60.0)
    assert PenaltyRule.of(policy) == PenaltyRule(0.5, 4.0, 60.0)
    assert PenaltyRule(0.5, 4.0, 60.0).spacing(2) == pytest.approx(1.5)
    assert PenaltyRule(0.0, 4.0, 60.0).spacing(5) == 0.0  # base 0 turns the penalty off


def test_hold_takes_the_longer_of_the_session_delay_and_the_address_penalty(clock):
    penalty = AuthPenalty(clock)
    policy = SessionPolicy(auth_penalty_base=2.0)
    failed = AuthAttempted("PLAIN", "alice", False, False, False, delay=0.5, penalised=True)
    assert penalty.hold("192.0.2.1", failed, policy) == 0.5  # no penalty yet: the session's own delay
    assert penalty.hold("192.0.2.1", failed, policy) == pytest.approx(2.0)  # now the address's is longer
    gone = AuthAttempted("PLAIN", "alice", False, False, False, abandoned=True)
    assert penalty.hold("192.0.2.1", gone, policy) == 0.0  # nobody is waiting for an answer
    cancelled = AuthAttempted("PLAIN", "", False, False, False)
    assert penalty.hold("192.0.2.9", cancelled, policy) == 0.0 and len(penalty) == 1
