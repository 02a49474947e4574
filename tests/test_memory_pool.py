"""Message_Memory_Budget for the machine under `serve --workers N`: the pool every worker's budget draws
from, in processes of their own, and over a real `ecconf serve --workers 2` on loopback."""

from __future__ import annotations

import os
import signal
import smtplib
from pathlib import Path

from serving import serving, write_config

from ecconf.memory_pool import SharedMemoryPool
from ecconf.runtime.memory_budget import MIN_SLAB, MemoryBudget, Reservation

LIMIT = 1024 * 1024
LINE = b"x" * 1023 + b"\r\n"
BODY = LINE * 700  # 700 KiB and a bit: one fits in the budget, two do not


def test_two_workers_budgets_hold_the_limit_together() -> None:
    pool = SharedMemoryPool(2)
    first = MemoryBudget(LIMIT, pool=pool.worker(0))
    second = MemoryBudget(LIMIT, pool=pool.worker(1))
    held = Reservation(first)
    assert held.grow_to(700 * 1024)
    assert not Reservation(second).grow_to(400 * 1024)  # each alone would fit; together they do not
    assert not second.fits(400 * 1024) and second.fits(300 * 1024)
    assert Reservation(second).grow_to(300 * 1024 - MIN_SLAB)  # what is left, less the first's spare slab
    held.release()
    assert first.used == 0 and pool.claimed() == 300 * 1024 - MIN_SLAB  # an idle worker keeps nothing back


def test_a_worker_gives_back_what_it_does_not_use_beyond_a_slab() -> None:
    pool = SharedMemoryPool(1)
    budget = MemoryBudget(LIMIT, pool=pool.worker(0))
    small, big = Reservation(budget), Reservation(budget)
    assert small.grow_to(10) and big.grow_to(500 * 1024)
    big.release()
    assert budget.used == 10 and pool.claimed() <= 10 + 2 * MIN_SLAB


def test_a_dead_workers_claims_are_seen_until_the_parent_clears_them() -> None:
    pool = SharedMemoryPool(2)
    pid = os.fork()
    if pid == 0:  # the worker: holds 700 KiB, then is killed
        try:
            Reservation(MemoryBudget(LIMIT, pool=pool.worker(1))).grow_to(700 * 1024)
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)  # never back into the test runner
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signal.SIGKILL
    survivor = MemoryBudget(LIMIT, pool=pool.worker(0))
    assert not survivor.fits(400 * 1024)
    pool.clear(1)  # what the parent does when it reaps the worker
    assert survivor.fits(LIMIT)


def attempt(port: int) -> int:
    """MAIL FROM with a SIZE= of BODY's: 250 when it fits in what the machine has free, else 452."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.login("carol", "s3cret-pass")
        return client.mail("carol@mx.test", [f"SIZE={len(BODY)}"])[0]


def test_serve_with_two_workers_holds_one_budget_for_the_machine(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    config.write_text(f"Message_Memory_Budget = {LIMIT}\n" + config.read_text())
    with serving(config, "--workers", "2", "--loop", "asyncio") as served:
        with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as holder:
            holder.login("carol", "s3cret-pass")
            holder.mail("carol@mx.test")
            holder.rcpt("dave@example.org")
            assert holder.putcmd("DATA") is None and holder.getreply()[0] == 354
            holder.send(BODY)  # no final dot: its worker holds it in memory
            # Until its worker has read it, a new client may still fit; bounded by count, not by time.
            for _ in range(2000):
                if attempt(served.port) == 452:
                    break
            else:
                raise AssertionError("the held message was never counted")
            # Now neither worker has room: the holder's own, and the other, which alone would have plenty.
            for taker in served.workers():
                with served.only(taker):
                    assert [attempt(served.port) for _ in range(4)] == [452] * 4
            holder.send(b"\r\n.\r\n")
            assert holder.getreply()[0] == 250
        assert attempt(served.port) == 250  # given back once spooled
