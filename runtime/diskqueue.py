"""Blocking disk work (spool writes, accounting-log lines) on one thread, in batches.

Rule of this room: no asyncio here, only threads and queues. The server hands in jobs and gets finished
jobs back in batches through `on_done`, each of which it turns into one wake-up of its event loop — instead
of a thread-pool round trip (and a wake-up) per message and per AUTH. The server hands in what one turn of
its loop produced with one `submit_many`: every wake-up of this thread is a context switch that the event
loop pays for. This thread writes each message and hands it to the commit thread (groupcommit.py), which
makes what has gathered durable together (the file syncs at once, one sync of `envelope/` and one of `new/`
per batch) before their results go back; so accounting lines and other jobs never wait behind an fsync.
A spool on tmpfs is committed here, in the batch's own results: its syncs cost nothing, a hand-over does.
Accounting lines for one file go out in one O_APPEND write per batch, through a descriptor this thread
keeps open (acctlog.Appender). Jobs run in the order they were
submitted (lines for one file keep their order); a message's result may come back after those of later
jobs. One failing job never fails another, except that lines written together succeed or fail together.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import acctlog
from .groupcommit import Committer, Pending, commit
from .spool import Maildir, Runner, Sidecar, run_each

Result = tuple[object, object, BaseException | None]  # (token, value, exception)
# What a job's result goes to on the loop: a future, or a function called with (value, exception).
Token = object
DISK_THREAD_NICE = 10  # added to the thread's nice value (Linux: per thread)


@dataclass(frozen=True, slots=True)
class Deliver:
    """Store one message (and the envelope record `sidecar` makes) durably in `maildir`; the value is its
    path in new/, a string."""

    maildir: Maildir
    data: bytes
    queue_id: str
    when: float
    sidecar: Sidecar | None = None


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
        # One put per submit_many, of the whole list. A SimpleQueue is C all through: its put wakes the
        # waiting thread directly, where threading.Condition's notify and wait (Python code, a new lock
        # per wait) cost the loop's thread about 4 us a session on the hosts we measure.
        self._jobs: queue.SimpleQueue[list[tuple[Job, object]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards _thread: whether a thread is there to take what is put
        self._thread: threading.Thread | None = None
        self._committer = Committer(on_done, f"{name}-commit", DISK_THREAD_NICE)
        self._appender = acctlog.Appender()  # used by the disk thread alone

    def submit(self, job: Job, token: object) -> None:
        self.submit_many([(job, token)])

    def submit_many(self, jobs: list[tuple[Job, object]]) -> None:
        """Queue `jobs` in order, waking the thread once."""
        with self._lock:
            self._jobs.put(jobs)
            if self._thread is None:  # the first job, or the first since close()
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Finish the jobs already queued and stop the thread (a later `submit` starts a new one)."""
        with self._lock:
            thread = self._thread
            if thread is not None:
                self._jobs.put(None)  # after every job queued so far
        if thread is not None:
            thread.join()
        self._committer.close()  # after the disk thread: what it wrote is committed before close returns

    def _run(self) -> None:
        # Not SCHED_BATCH, though it halves the context switches on uvloop: with the loop busy for a second
        # on end (a store reload in slices), a batch-scheduled disk thread did not run at all, and every
        # session waiting for its spool write waited that second out. A lower nice value instead: still its
        # fair share of the CPU however busy the loop is (about a tenth at nice 10, several times what it
        # needs), but its wake-ups no longer preempt the loop thread mid-turn, each such preemption being a
        # hand-over of the interpreter lock and back (on uvloop, half the context switches of a session).
        with contextlib.suppress(OSError, AttributeError):  # not Linux, or not allowed here: no matter
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DISK_THREAD_NICE)
        while True:
            batch, stop = self._take()
            if batch:
                self._work(batch)
            if stop:
                with self._lock:  # a submit from now on starts a new thread; one just before is served
                    if self._jobs.empty():
                        self._thread = None
                        self._appender.close()  # a stopped queue holds no log open
                        return

    def _take(self) -> tuple[list[tuple[Job, object]], bool]:
        """Everything queued, waiting for the first of it; whether close() asked this thread to stop."""
        batch: list[tuple[Job, object]] = []
        stop = False
        jobs = self._jobs.get()
        while True:
            if jobs is None:
                stop = True
            else:
                batch += jobs
            try:
                jobs = self._jobs.get_nowait()
            except queue.Empty:
                return batch, stop

    def _work(self, batch: list[tuple[Job, object]]) -> None:
        results, pending = stage_batch(batch, self._appender)
        done = [r for r in results if r is not None]
        if later := [p for p in pending if not p[1].in_memory]:
            self._committer.add(later)
        if now := [p for p in pending if p[1].in_memory]:  # tmpfs: syncs cost nothing, hand-overs do
            done += commit(now, run_each)
        if done:
            self._on_done(done)


def run_batch(batch: list[tuple[Job, object]], run: Runner = run_each) -> list[Result]:
    """Run a batch here and now, its messages committed together: every result, in submission order."""
    appender = acctlog.Appender()
    try:
        results, pending = stage_batch(batch, appender)
    finally:
        appender.close()
    committed = iter(commit(pending, run))
    return [next(committed) if r is None else r for r in results]


def stage_batch(
    batch: list[tuple[Job, object]], appender: acctlog.Appender
) -> tuple[list[Result | None], list[Pending]]:
    """Run a batch's jobs but leave its messages written and unsynced: their places in the results are None,
    and they are in the second list, in the same order, for `groupcommit.commit`."""
    results: list[Result | None] = []
    pending: list[Pending] = []
    lines = _lines_by_file(batch)
    appended: dict[Path, BaseException | None] = {}  # what writing each file's lines came to
    for job, token in batch:
        try:
            if isinstance(job, Deliver):
                # A spool on disk waits for the commit thread: its files are closed till then (spool.py).
                staged = job.maildir.stage(job.data, job.queue_id, job.when, job.sidecar, job.maildir.in_memory)
                pending.append((token, job.maildir, staged))
                results.append(None)
                continue
            if isinstance(job, Append):
                if job.path not in appended:  # the first line for this file writes all of the batch's
                    appended[job.path] = _append_all(appender, job.path, lines[job.path])
                if (failed := appended[job.path]) is not None:
                    raise failed
                value: object = None
            else:
                value = job.function()
            results.append((token, value, None))
        except BaseException as exc:  # handed to the waiting session, which decides what it means
            results.append((token, None, exc))
    return results, pending


def _lines_by_file(batch: list[tuple[Job, object]]) -> dict[Path, list[str]]:
    lines: dict[Path, list[str]] = {}
    for job, _token in batch:
        if isinstance(job, Append):
            lines.setdefault(job.path, []).append(job.line)
    return lines


def _append_all(appender: acctlog.Appender, path: Path, lines: list[str]) -> BaseException | None:
    try:
        appender.append(path, "".join(lines))
    except Exception as exc:  # every line of the batch gets it; none is written twice
        return exc
    return None


def settle(results: list[Result]) -> None:
    """On the event loop: hand each result to its token: a callable is called with (value, exception), a
    future gets it unless nobody waits any more."""
    for future, value, exc in results:
        if callable(future):
            future(value, exc)
            continue
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
