"""Blocking drivers (sqlite3, ldap3) on threads of their own, each thread with a connection slot.

Rule of this room: the event loop never waits on a blocking call. A query takes a free slot (waiting at most
the pool wait: TemporaryFailure), runs on the pool's threads, and is waited for at most the timeout; a query
still running then is told to stop (`interrupt`) and keeps its slot until its thread lets go. A slot whose
query failed gets its connection closed, so the next query opens a fresh one. Closing waits for running
queries (they are bounded by their own timeouts) so no thread outlives its loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from .outcome import TemporaryFailure

C = TypeVar("C")  # a connection
R = TypeVar("R")


class ThreadSlots(Generic[C]):
    def __init__(self, size: int, name: str, close: Callable[[C], None]) -> None:
        self.size = size
        self._close = close
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
        self._free: asyncio.Queue[C | None] | None = None
        self._running: set[asyncio.Future[object]] = set()

    @property
    def busy(self) -> int:
        return 0 if self._free is None else self.size - self._free.qsize()

    def _pool(self) -> asyncio.Queue[C | None]:
        if self._free is None:  # made on first use, inside the loop that serves
            self._free = asyncio.Queue()
            for _ in range(self.size):
                self._free.put_nowait(None)  # a slot whose connection is opened when first needed
        return self._free

    async def run(
        self,
        work: Callable[[list[C | None]], R],
        wait: float,
        timeout: float,
        interrupt: Callable[[C], None] | None = None,
    ) -> R:
        pool = self._pool()
        try:
            kept = await asyncio.wait_for(pool.get(), wait)
        except TimeoutError:
            raise TemporaryFailure("no free connection") from None
        slot: list[C | None] = [kept]
        future = asyncio.get_running_loop().run_in_executor(self._threads, work, slot)
        self._running.add(future)  # type: ignore[arg-type]

        def give_back(done: asyncio.Future[R]) -> None:
            self._running.discard(done)  # type: ignore[arg-type]
            failed = done.cancelled() or done.exception() is not None  # (and the exception is retrieved)
            conn = slot[0]
            if conn is not None and failed:
                self._close(conn)  # reopened on next use: the server or file may have changed since
                conn = None
            pool.put_nowait(conn)

        future.add_done_callback(give_back)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            conn = slot[0]
            if interrupt is not None and conn is not None:
                interrupt(conn)
            raise TemporaryFailure(f"no answer within {timeout:g} s") from None

    async def aclose(self, grace: float) -> None:
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._free is not None:
            while not self._free.empty():
                conn = self._free.get_nowait()
                if conn is not None:
                    self._close(conn)
