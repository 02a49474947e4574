"""Costly pure work on the compute threads, as the event loop sees it: one future that cancels at once.

Rule of this room: threads and futures only, nothing of SMTP. asyncio's own bridge (`run_in_executor`)
cancels the thread pool's future only from a callback on the loop's next turn; in between, a compute thread
that comes free may still take the work and run it for a session that has already ended. A Computation
cancels the pool's future in the same call, so work not started by then never runs; its result, exception
or cancellation is handed back to the loop as asyncio's bridge would.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Callable
from typing import Any


class Computation(asyncio.Future[object]):
    def __init__(self, work: concurrent.futures.Future[object], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._work = work
        work.add_done_callback(self._finished)  # on the compute thread, or here if already done

    def cancel(self, msg: Any | None = None) -> bool:
        self._work.cancel()  # not started yet: it never runs
        return super().cancel(msg)

    def _finished(self, work: concurrent.futures.Future[object]) -> None:
        loop = self.get_loop()
        if loop.is_closed():  # a server shutting down cancels what is queued after its loop is gone
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between: nobody is left to tell
            loop.call_soon_threadsafe(self._settle, work)

    def _settle(self, work: concurrent.futures.Future[object]) -> None:
        if self.done():
            return  # cancelled on the loop meanwhile
        if work.cancelled():
            super().cancel()
        elif (exc := work.exception()) is not None:
            self.set_exception(exc)
        else:
            self.set_result(work.result())


def compute(
    pool: concurrent.futures.Executor, loop: asyncio.AbstractEventLoop, function: Callable[..., object], *args: object
) -> Computation:
    """`function(*args)` on `pool`, as a future of `loop`."""
    return Computation(pool.submit(function, *args), loop)
