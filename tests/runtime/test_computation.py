"""Work for the compute threads, cancelled from the loop, never runs once cancelled (runtime/computation.py)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ecconf.runtime.computation import compute


def test_work_cancelled_before_it_starts_never_runs_even_if_a_thread_frees_up_at_once() -> None:
    ran: list[str] = []
    release, after = threading.Event(), threading.Event()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1) as pool:
            busy = compute(pool, loop, lambda: release.wait(5) and ran.append("busy"))
            queued = compute(pool, loop, lambda: ran.append("queued"))
            compute(pool, loop, after.set)  # the one thread takes the work in order
            queued.cancel()
            release.set()
            # The loop gets no turn until the thread is past the cancelled work: asyncio's own bridge would
            # only cancel it on that turn, too late.
            assert after.wait(5)
            await busy
            assert queued.cancelled()
        assert ran == ["busy"]

    asyncio.run(scenario())


def test_results_and_exceptions_reach_the_loop() -> None:
    def fails() -> None:
        raise ValueError("no")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(2) as pool:
            assert await compute(pool, loop, pow, 2, 10) == 1024
            with pytest.raises(ValueError, match="no"):
                await compute(pool, loop, fails)

    asyncio.run(scenario())


def test_work_cancelled_by_the_pool_shows_as_cancelled() -> None:
    release = threading.Event()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(1)
        busy = compute(pool, loop, release.wait, 5)
        queued = compute(pool, loop, pow, 2, 2)
        pool.shutdown(wait=False, cancel_futures=True)  # as a server that stops does
        release.set()
        await busy
        with pytest.raises(asyncio.CancelledError):
            await queued

    asyncio.run(scenario())
