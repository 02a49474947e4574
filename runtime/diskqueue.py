"""Blocking disk work (spool writes, accounting-log lines) on one thread, in batches.

Rule of this room: no asyncio here, only a thread and a queue. The server hands in jobs and gets every
finished job of a batch back in one `on_done` call, which it turns into one wake-up of its event loop —
instead of a thread-pool round trip (and a wake-up) per message and per AUTH. A batch also shares work
that durability allows to share: messages spooled together are made durable with one fsync of `new/`
(each file is still fsynced on its own before its rename). Jobs run in the order they were submitted;
one failing job never fails another.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import acctlog
from .spool import Maildir, SpoolError

Result = tuple[object, object, BaseException | None]  # (token, value, exception)


@dataclass(frozen=True, slots=True)
class Deliver:
    """Store one message durably in `maildir`; the value is its path in new/."""

    maildir: Maildir
    data: bytes
    queue_id: str
    when: float


@dataclass(frozen=True, slots=True)
class Append:
    """Append one accounting-log line."""

    path: Path
    line: str


@dataclass(frozen=True, slots=True)
class Call:
    """Any other blocking call (a credential reload); the value is what it returns."""

    function: Callable[[], object]


Job = Deliver | Append | Call


class DiskQueue:
    def __init__(self, on_done: Callable[[list[Result]], None], name: str = "ecconf-disk") -> None:
        self._on_done = on_done
        self._name = name
        self._jobs: deque[tuple[Job, object]] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def submit(self, job: Job, token: object) -> None:
        with self._ready:
            self._jobs.append((job, token))
            if self._thread is None:  # the first job, or the first since close()
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()

    def close(self) -> None:
        """Finish the jobs already queued and stop the thread (a later `submit` starts a new one)."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._ready:
            self._closed = False

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._jobs and not self._closed:
                    self._ready.wait()
                if not self._jobs:
                    self._thread = None  # under the lock: a submit from now on starts a new thread
                    return
                batch = list(self._jobs)
                self._jobs.clear()
            self._on_done(run_batch(batch))


def run_batch(batch: list[tuple[Job, object]]) -> list[Result]:
    results: list[Result] = []
    staged: dict[Maildir, list[int]] = {}  # maildir -> indexes in `results` waiting for its new/ fsync
    for job, token in batch:
        try:
            if isinstance(job, Deliver):
                value: object = job.maildir.stage(job.data, job.queue_id, job.when)
                staged.setdefault(job.maildir, []).append(len(results))
            elif isinstance(job, Append):
                value = acctlog.append(job.path, job.line)
            else:
                value = job.function()
            results.append((token, value, None))
        except BaseException as exc:  # handed to the waiting session, which decides what it means
            results.append((token, None, exc))
    for maildir, indexes in staged.items():
        paths = [results[i][1] for i in indexes]
        try:
            maildir.commit(paths)  # type: ignore[arg-type]
        except SpoolError as exc:
            for i in indexes:
                results[i] = (results[i][0], None, exc)
    return results


def settle(results: list[Result]) -> None:
    """On the event loop: hand each result to its future (the token), unless nobody waits any more."""
    for future, value, exc in results:
        if future.done():  # type: ignore[attr-defined]
            continue
        if exc is None:
            future.set_result(value)  # type: ignore[attr-defined]
        else:
            future.set_exception(exc)  # type: ignore[attr-defined]


def wake_loop(results: list[Result]) -> None:
    """DiskQueue's `on_done` for an event loop whose futures are the tokens: one thread-safe call settles
    the whole batch there. A loop that is gone has nobody waiting any more."""
    loop = results[0][0].get_loop()  # type: ignore[attr-defined]
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(settle, results)
