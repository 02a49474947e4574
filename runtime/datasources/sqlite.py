"""The SQLite driver: the standard library's sqlite3, in threads of its own, read-only.

Rule of this room: the event loop never waits on SQLite. Each query runs on one of `connections` threads,
each with its own read-only connection; a query past the timeout is interrupted (sqlite3's interrupt() is
safe from any thread) and its connection comes back to the pool only once its thread has let go of it.
Waiting longer than the pool wait for a free connection, a file that cannot be opened, and a locked or
broken database are TemporaryFailure.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from .driver import DriverSettings, Prepared
from .judge import Rows
from .outcome import RejectedInput, TemporaryFailure
from .query import SqlStatement, compile_sql, sql_placeholders
from .uri import SqliteTarget


class SqlitePrepared:
    def __init__(self, query: str) -> None:
        self.statement: SqlStatement = compile_sql(query, "?")
        self._names = sql_placeholders(query)

    def placeholders(self) -> list[str]:
        return self._names


class SqliteDriver:
    def __init__(self, target: SqliteTarget, settings: DriverSettings) -> None:
        self.target = target
        self.settings = settings
        self._threads = ThreadPoolExecutor(max_workers=settings.connections, thread_name_prefix="ecconf-sqlite")
        self._free: asyncio.Queue[sqlite3.Connection | None] | None = None

    @property
    def busy(self) -> int:
        return 0 if self._free is None else self.settings.connections - self._free.qsize()

    def describe(self) -> str:
        return f"sqlite:{self.target.path}"

    def prepare(self, query: str) -> Prepared:
        return SqlitePrepared(query)

    def _pool(self) -> asyncio.Queue[sqlite3.Connection | None]:
        if self._free is None:  # made on first use, inside the loop that serves
            self._free = asyncio.Queue()
            for _ in range(self.settings.connections):
                self._free.put_nowait(None)  # a slot whose connection is opened when first needed
        return self._free

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{quote(str(self.target.path))}?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=self.settings.timeout, check_same_thread=False)

    def _run(self, conn: sqlite3.Connection, statement: SqlStatement, values: tuple[str, ...]) -> Rows:
        cursor = conn.execute(statement.text, values)
        try:
            columns = tuple(d[0] for d in cursor.description or ())
            rows = tuple(tuple(r) for r in cursor.fetchmany(max(1, self.settings.max_rows)))
        finally:
            cursor.close()
        return Rows(columns, rows)

    def _open_and_run(
        self, slot: list[sqlite3.Connection | None], statement: SqlStatement, values: tuple[str, ...]
    ) -> Rows:
        conn = slot[0]
        if conn is None:
            conn = slot[0] = self._connect()
        return self._run(conn, statement, values)

    async def fetch(self, prepared: Prepared, bound: dict[str, str]) -> Rows:
        assert isinstance(prepared, SqlitePrepared)
        pool = self._pool()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.timeout
        try:
            conn = await asyncio.wait_for(pool.get(), self.settings.wait)
        except TimeoutError:
            raise TemporaryFailure("sqlite: no free connection") from None
        slot = [conn]
        future = loop.run_in_executor(
            self._threads, self._open_and_run, slot, prepared.statement, prepared.statement.values(bound)
        )

        def give_back(done: asyncio.Future[Rows]) -> None:
            conn = slot[0]
            if conn is not None and (done.cancelled() or done.exception() is not None):
                conn.close()  # reopened on next use: the file may have been replaced or repaired since
                conn = None
            pool.put_nowait(conn)

        future.add_done_callback(give_back)
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - loop.time()))
        except TimeoutError:
            if slot[0] is not None:
                slot[0].interrupt()
            raise TemporaryFailure("sqlite: query timed out") from None
        except (sqlite3.InterfaceError, UnicodeError, OverflowError):
            raise RejectedInput("sqlite: value refused") from None
        except sqlite3.Error as error:
            raise TemporaryFailure(f"sqlite: {type(error).__name__}: {error}") from None

    async def aclose(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._free is not None:
            while not self._free.empty():
                conn = self._free.get_nowait()
                if conn is not None:
                    conn.close()
