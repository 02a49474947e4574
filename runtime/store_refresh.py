"""Credential stores re-read on the event loop in short slices, their file reads in a worker thread.

Rule of this room: the driver of one `Credentials.refresh_steps()` run (authn.py, stores.Step), for the
server; it knows nothing of stores or sessions. A parse in a thread held the interpreter for milliseconds at
a time, which doubled the sessions' p99 latency while a million users were read again: the parse runs here
on the loop, about half a millisecond at a time, with the sessions' I/O in between.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator

from .stores import Step


async def drive(steps: Generator[Step, object, list[str]]) -> list[str]:
    """Run `steps` to its end; the URIs it reloaded. Cancelled half-way, the store forgets what it read."""
    sent: object = None
    failed: BaseException | None = None
    clock = time.perf_counter
    try:
        while True:
            started = clock()
            try:
                step = steps.send(sent) if failed is None else steps.throw(failed)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            sent, failed = None, None
            if step is None:
                # Rest as long as the slice took: at most half of the loop's time goes to the reload.
                # Back to back slices (sleep(0)) left the loop no idle moment, in which the disk
                # thread takes the GIL: sessions waiting for their spool writes crawled (p99 x2).
                await asyncio.sleep(clock() - started)
                continue
            try:
                sent = await asyncio.to_thread(step)
            except Exception as exc:  # handed back to the store, where refresh() would have raised it
                failed = exc
    finally:
        steps.close()  # cancelled half-way: the store forgets what it read, and reads it again next time
