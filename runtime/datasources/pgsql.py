"""The PostgreSQL driver: psycopg 3's async connections in a psycopg_pool pool (the `ecconf[pgsql]` extra).

Rule of this room: values are bound by the server (never formatted into the text), every query carries a
server-side `statement_timeout`, and a free connection is waited for at most the pool wait. A connection
the server dropped (a restart) is found on use and the query retried once on a fresh one. While the pool
cannot connect (it backs off for seconds), queries connect directly, so a server that is down costs a
refused connect rather than the pool wait, and AUTH works again on the first attempt after it is back.
Bad input the server refuses (a DataError) is a plain FAIL; every other failure is TemporaryFailure. The
password goes to libpq as a keyword argument and never into a string this module logs or raises.
"""

from __future__ import annotations

from typing import Any

from .driver import DriverSettings, Prepared, missing
from .judge import Rows
from .outcome import RejectedInput, TemporaryFailure
from .query import SqlStatement, compile_sql, sql_placeholders
from .uri import PgsqlTarget

try:
    import psycopg
    import psycopg_pool
except ImportError:  # the extra is not installed: say so when a pgsql: datasource is opened
    psycopg = None  # type: ignore[assignment]
    psycopg_pool = None  # type: ignore[assignment]


class PgsqlPrepared:
    def __init__(self, query: str) -> None:
        self.statement: SqlStatement = compile_sql(query, "%s", "%%")
        self._names = sql_placeholders(query)

    def placeholders(self) -> list[str]:
        return self._names


class PgsqlDriver:
    def __init__(self, target: PgsqlTarget, settings: DriverSettings) -> None:
        if psycopg is None or psycopg_pool is None:
            raise missing("pgsql", "psycopg 3 and psycopg_pool")
        self.target = target
        self.settings = settings
        kwargs: dict[str, Any] = dict(target.params)
        if target.password is not None:
            kwargs["password"] = target.password
        kwargs.setdefault("connect_timeout", str(max(1, round(settings.timeout))))
        # statement_timeout in ms: the server cancels a slow query itself and the connection stays usable.
        kwargs["options"] = f"-c statement_timeout={max(1, int(settings.timeout * 1000))}"
        kwargs["autocommit"] = True
        self._kwargs = kwargs
        self.pool: psycopg_pool.AsyncConnectionPool = psycopg_pool.AsyncConnectionPool(
            "",
            kwargs=kwargs,
            min_size=0,
            max_size=settings.connections,
            timeout=settings.wait,
            open=False,
            name="ecconf-pgsql",
        )
        self._opened = False
        self._down = False  # the last direct connect failed
        self._direct_now = 0  # direct connections open now
        self.busy = 0  # connections our queries hold now: all of them busy is "exhausted", not "down"

    def describe(self) -> str:
        return self.target.describe()

    def prepare(self, query: str) -> Prepared:
        return PgsqlPrepared(query)

    async def fetch(self, prepared: Prepared, bound: dict[str, str]) -> Rows:
        assert isinstance(prepared, PgsqlPrepared)
        if not self._opened:
            await self.pool.open(wait=False)
            self._opened = True
        values = prepared.statement.values(bound)
        for attempt in (1, 2):
            try:
                try:
                    if self._down and self._direct_now < self.settings.connections:
                        # The last connect failed: ask the server directly, not the backing-off pool (at most
                        # `connections` such at once, so a burst when the server returns stays within bounds).
                        return await self._direct(prepared.statement.text, values)
                    return await self._once(prepared.statement.text, values)
                except psycopg_pool.PoolTimeout:
                    if self.busy >= self.settings.connections:
                        raise TemporaryFailure("pgsql: no free connection") from None
                    # Not every connection is in use, so the pool is failing to connect and backing off (the
                    # server was down): one direct attempt, so AUTH works again as soon as the server is back.
                    return await self._direct(prepared.statement.text, values)
            except psycopg.DataError:
                raise RejectedInput("pgsql: value refused") from None
            except psycopg.errors.QueryCanceled:
                raise TemporaryFailure("pgsql: query timed out") from None
            except psycopg.OperationalError as error:
                if attempt == 1 and _dropped(error):
                    await self.pool.check()  # drop every idle connection the server closed (a restart)
                    continue  # and once more, on a fresh one
                raise TemporaryFailure(f"pgsql: {_first_line(error)}") from None
            except (psycopg.Error, psycopg_pool.PoolClosed) as error:
                raise TemporaryFailure(f"pgsql: {type(error).__name__}: {_first_line(error)}") from None
            except (UnicodeError, ValueError):
                raise RejectedInput("pgsql: value refused") from None
        raise TemporaryFailure("pgsql: connection lost")

    async def _once(self, text: str, values: tuple[str, ...]) -> Rows:
        async with self.pool.connection() as conn:
            self.busy += 1
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(text, values)  # psycopg prepares it itself once it repeats
                    columns = tuple(d.name for d in cursor.description or ())
                    rows = await cursor.fetchmany(max(1, self.settings.max_rows)) if columns else []
            finally:
                self.busy -= 1
        return Rows(columns, tuple(tuple(r) for r in rows))

    async def _direct(self, text: str, values: tuple[str, ...]) -> Rows:
        """One query on a connection of its own, while the pool cannot connect. Until one connects again,
        every query comes here, so a server that is down costs a refused connect, not the pool wait."""
        self._direct_now += 1
        try:
            try:
                conn = await psycopg.AsyncConnection.connect(**self._kwargs)
            except psycopg.OperationalError:
                self._down = True
                raise
            self._down = False
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(text, values)
                    columns = tuple(d.name for d in cursor.description or ())
                    rows = await cursor.fetchmany(max(1, self.settings.max_rows)) if columns else []
            finally:
                await conn.close()
        finally:
            self._direct_now -= 1
        return Rows(columns, tuple(tuple(r) for r in rows))

    async def aclose(self) -> None:
        if self._opened:
            await self.pool.close()


def _dropped(error: Exception) -> bool:
    """Whether the error is a connection that died (server restart), not one that could not be made."""
    return not isinstance(error, psycopg.errors.ConnectionTimeout) and "connection failed" not in str(error)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
