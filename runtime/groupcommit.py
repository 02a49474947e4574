"""Group commit: the messages the disk thread has written are made durable together, off its back.

Rule of this room: threads and a queue, no asyncio. The disk thread (diskqueue.py) writes each message to
tmp/ and hands it here; the commit thread takes everything handed in so far (at most MAX_BATCH messages)
and syncs all their files and each envelope/ at once on a few sync threads (concurrent syncs share the file
system's journal commits, where one after another each waits for its own). The publish thread then renames
them into new/, syncs new/ once per spool (spool.py's `make_durable` and `publish`), and only then hands
their results back, so a 250 never comes before its message is durable. The two overlap: while one batch
is published (its rename and the sync of new/, a journal commit of their own), the next batch's syncs are
already on the disk; batches are published in the order they were synced. Nothing waits for a batch to
fill: a lone message is committed at once, and while one commit waits on the disk the next batch gathers.
The disk thread meanwhile goes on with accounting lines and other jobs, which no longer queue behind
fsyncs. (A spool on tmpfs never comes here: its syncs cost nothing, a hand-over does.)
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .spool import Maildir, Runner, SpoolError, Staged, attempt, run_each

Result = tuple[object, object, BaseException | None]  # (token, value, exception), as diskqueue.py's
Pending = tuple[object, Maildir, Staged]  # (token, spool, message written but not yet synced)
MAX_BATCH = 64  # messages per commit: bounds the open files and how long the first of them waits
SYNC_THREADS = 8  # beyond this, more syncs at once bought nothing measurable on the bench disk


class Committer:
    def __init__(self, on_done: Callable[[list[Result]], None], name: str, nice: int = 0) -> None:
        self._on_done = on_done
        self._name = name
        self._nice = nice
        self._pending: deque[Pending] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._publisher: ThreadPoolExecutor | None = None  # one thread: batches published in sync order

    def add(self, pending: list[Pending]) -> None:
        """Commit these messages as soon as the commit thread is free, together with whatever else is waiting."""
        with self._ready:
            self._pending.extend(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._ready.notify()

    def close(self) -> None:
        """Commit what was handed in and stop (a later `add` starts again)."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()
        with self._ready:
            self._closed = False
            pool, self._pool = self._pool, None
            publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.shutdown()  # waits for every batch already synced to be published
        if pool is not None:
            pool.shutdown()

    def run(self, tasks: list[Callable[[], None]]) -> list[BaseException | None]:
        """spool.py's Runner: `tasks` at once, SYNC_THREADS wide, one group on this thread (one hand-over
        fewer); what each raised. Each of the other threads is handed one group of tasks, not a task each:
        a hand-over costs far more CPU than a sync that the journal commit of its neighbours already made
        cheap, and a busy disk gathers dozens of files a commit."""
        if len(tasks) <= 1:
            return [attempt(task) for task in tasks]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(SYNC_THREADS, f"{self._name}-sync", initializer=self._lower)
        width = min(SYNC_THREADS, len(tasks))
        groups = [tasks[i::width] for i in range(width)]
        futures = [self._pool.submit(run_each, group) for group in groups[1:]]
        outcomes: list[BaseException | None] = [None] * len(tasks)
        outcomes[0::width] = run_each(groups[0])
        for i, future in enumerate(futures, start=1):
            outcomes[i::width] = future.result()
        return outcomes

    def _lower(self) -> None:
        # Like the disk thread: its wake-ups should not preempt the event loop's thread mid-turn.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)

    def _run(self) -> None:
        self._lower()
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    self._thread = None
                    return
                batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
                if self._publisher is None:
                    self._publisher = ThreadPoolExecutor(1, f"{self._name}-publish", initializer=self._lower)
                publisher = self._publisher
            synced = make_durable(batch, self.run)
            publisher.submit(self._publish, batch, synced)

    def _publish(self, batch: list[Pending], synced: Synced) -> None:
        self._on_done(publish(batch, synced))


Synced = list[tuple[Maildir, list[int], list[SpoolError | None]]]  # per spool: its messages' places, outcomes


def commit(batch: list[Pending], run: Runner) -> list[Result]:
    """Commit each spool's messages of `batch` (through `run`); the results in the order of `batch`."""
    return publish(batch, make_durable(batch, run))


def make_durable(batch: list[Pending], run: Runner) -> Synced:
    """Sync each spool's messages of `batch` (spool.py's make_durable), nothing visible yet."""
    by_spool: dict[Maildir, list[int]] = {}
    for i, (_token, maildir, _staged) in enumerate(batch):
        by_spool.setdefault(maildir, []).append(i)
    synced: Synced = []
    for maildir, indexes in by_spool.items():
        # On tmpfs a sync returns at once: handing syncs to other threads would only cost hand-overs.
        staged = [batch[i][2] for i in indexes]
        synced.append((maildir, indexes, maildir.make_durable(staged, run_each if maildir.in_memory else run)))
    return synced


def publish(batch: list[Pending], synced: Synced) -> list[Result]:
    """Publish what `make_durable` synced; the results in the order of `batch`."""
    results: list[Result | None] = [None] * len(batch)
    for maildir, indexes, durable in synced:
        try:
            outcomes: list[str | BaseException] = list(maildir.publish([batch[i][2] for i in indexes], durable))
        except Exception as exc:  # not an OSError (those are each message's SpoolError): fail them, never hang
            outcomes = [exc] * len(indexes)
        for i, outcome in zip(indexes, outcomes, strict=True):
            token = batch[i][0]
            results[i] = (token, None, outcome) if isinstance(outcome, BaseException) else (token, outcome, None)
    return [r for r in results if r is not None]
