"""The SQLite driver: the standard library's sqlite3, read-only, on threads of its own.

Rule of this room: each query runs on one of `connections` threads with that thread slot's own read-only
connection (threads.py); a query past the timeout is interrupted (sqlite3's interrupt() is safe from any
thread). Waiting longer than the pool wait for a free connection, a file that cannot be opened, and a
locked or broken database are TemporaryFailure; a value sqlite3 cannot bind is RejectedInput.
"""

from __future__ import annotations

import functools
import sqlite3
from urllib.parse import quote

from .driver import DriverSettings, Prepared
from .judge import Rows
from .outcome import RejectedInput, TemporaryFailure
from .query import SqlStatement, compile_sql, sql_placeholders
from .threads import ThreadSlots
from .uri import SqliteTarget

GRACE = 1.0  # seconds aclose() waits for queries still running (they are bounded by their timeout too)


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
        self.slots: ThreadSlots[sqlite3.Connection] = ThreadSlots(
            settings.connections, "ecconf-sqlite", sqlite3.Connection.close
        )

    @property
    def busy(self) -> int:
        return self.slots.busy

    def describe(self) -> str:
        return f"sqlite:{self.target.path}"

    def prepare(self, query: str) -> Prepared:
        return SqlitePrepared(query)

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{quote(str(self.target.path))}?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=self.settings.timeout, check_same_thread=False)

    def _run(self, slot: list[sqlite3.Connection | None], statement: SqlStatement, values: tuple[str, ...]) -> Rows:
        conn = slot[0]
        if conn is None:
            conn = slot[0] = self._connect()
        cursor = conn.execute(statement.text, values)
        try:
            columns = tuple(d[0] for d in cursor.description or ())
            rows = tuple(tuple(r) for r in cursor.fetchmany(max(1, self.settings.max_rows)))
        finally:
            cursor.close()
        return Rows(columns, rows)

    async def fetch(self, prepared: Prepared, bound: dict[str, str]) -> Rows:
        assert isinstance(prepared, SqlitePrepared)
        statement = prepared.statement
        values = statement.values(bound)
        try:
            return await self.slots.run(
                functools.partial(self._run, statement=statement, values=values),
                self.settings.wait,
                self.settings.timeout,
                sqlite3.Connection.interrupt,
            )
        except TemporaryFailure as error:
            raise TemporaryFailure(f"sqlite: {error}") from None
        except (sqlite3.InterfaceError, UnicodeError, OverflowError):
            raise RejectedInput("sqlite: value refused") from None
        except sqlite3.Error as error:
            raise TemporaryFailure(f"sqlite: {type(error).__name__}: {error}") from None

    async def aclose(self) -> None:
        await self.slots.aclose(GRACE)
