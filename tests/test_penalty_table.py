"""The penalty table `serve --workers N` shares: the same arithmetic as one process's, seen by every worker,
bounded, and not left locked by a worker that dies."""

from __future__ import annotations

import fcntl
import os
import signal

import pytest

from ecconf.penalty_table import SharedBook
from ecconf.runtime.penalty import AuthPenalty, LocalBook, PenaltyRule

RULE = PenaltyRule(base=1.0, cap=30.0, half_life=300.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_gives_the_same_answers_as_one_process_table():
    clock = Clock()
    local, shared = AuthPenalty(clock), AuthPenalty(clock, book=SharedBook())
    script = [("192.0.2.1", True, 0.0)] * 3 + [("192.0.2.1", False, 1.0), ("2001:db8::1", True, 0.5)] * 4
    script += [("192.0.2.1", True, 0.1)] * 40 + [("192.0.2.1", False, 4000.0)]
    for address, failed, elapsed in script:
        clock.now += elapsed
        assert shared.answer_delay(address, failed, RULE) == local.answer_delay(address, failed, RULE)
        assert shared.score(address, RULE) == pytest.approx(local.score(address, RULE))
    assert len(shared) == 1  # the IPv4 address faded away on its success; the /64 is left, faded (reusable)
    assert shared.score("2001:db8::1", RULE) < 0.01 and local.score("2001:db8::1", RULE) == 0.0  # no wait left


def test_a_forked_worker_sees_the_penalty_another_counted_and_a_death_holding_the_lock_frees_it():
    clock = Clock()
    book = SharedBook()
    first = AuthPenalty(clock, book=book)
    first.answer_delay("192.0.2.1", True, RULE)  # failure 1: the next slot is 1 s away
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the other worker: its answer waits for the slot the first one reserved
        try:
            wait = AuthPenalty(clock, book=book).answer_delay("192.0.2.1", True, RULE)
            os.write(write_end, repr(wait).encode())
            with _locked(book):
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)  # never back into the test runner
    os.close(write_end)
    assert os.read(read_end, 100) == b"1.0"
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signal.SIGKILL
    # Its failure counted here too (score 2: the next answer waits 1 + 3 s), and its lock is gone.
    assert first.score("192.0.2.1", RULE) == pytest.approx(2.0)
    assert first.answer_delay("192.0.2.1", False, RULE) == pytest.approx(4.0)


def _locked(book: SharedBook):
    class Held:
        def __enter__(self) -> None:
            fcntl.lockf(book._file.fileno(), fcntl.LOCK_EX)

        def __exit__(self, *_exc: object) -> None:
            fcntl.lockf(book._file.fileno(), fcntl.LOCK_UN)

    return Held()


def test_memory_is_bounded_and_eviction_forgets_the_least_recently_seen():
    clock = Clock()
    penalty = AuthPenalty(clock, book=SharedBook(max_addresses=100))
    for i in range(1000):
        clock.now += 0.001
        penalty.answer_delay(f"10.0.{i // 256}.{i % 256}", True, RULE)
        assert len(penalty) <= 100
    assert penalty.score("10.0.3.231", RULE) > 0.9  # the last one is remembered
    assert sum(penalty.score(f"10.0.0.{i}", RULE) > 0 for i in range(100)) < 10  # the first are mostly gone


def test_sizes_below_one_are_refused():
    with pytest.raises(ValueError):
        SharedBook(0)
    with pytest.raises(ValueError):
        LocalBook(0)
