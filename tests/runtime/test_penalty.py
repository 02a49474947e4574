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
    assert penalty.answer_delay("192.0.2.1", True, RULE) == pytest.approx(4.0)  # failure 3 waits 1+3, next +7
    assert penalty.answer_delay("192.0.2.1", False, RULE) == pytest.approx(11.0)  # even a success waits its turn


def test_parallel_sessions_queue_up_instead_of_sharing_one_slot(clock):
    penalty = AuthPenalty(clock)
    penalty.answer_delay("192.0.2.1", True, RULE)
    waits = [penalty.answer_delay("192.0.2.1", True, RULE) for _ in range(4)]
    assert waits == sorted(waits) and len(set(waits)) == 4  # each answer gets its own, later slot


def test_spacing_is_capped(clock):
    penalty = AuthPenalty(clock)
    waits = [penalty.answer_delay("192.0.2.1", True, RULE) for _ in range(20)]
    steps = [b - a for a, b in itertools.pairwise(waits)]
    assert steps[:4] == pytest.approx([1.0, 3.0, 7.0, 15.0])
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
