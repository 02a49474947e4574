"""What every datasource driver offers the auth_ds service, and the settings they share.

Rule of this room: a driver turns (prepared query, bound values) into Rows or one of two errors:
TemporaryFailure (no answer now: down, slow, out of connections) or RejectedInput (the values themselves were
refused: a plain FAIL). It never decides OK or FAIL itself, and never logs or raises with a password in it.
Drivers whose library is an extra are imported only when a datasource names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .judge import Rows
from .outcome import DatasourceError, MissingDriver
from .uri import LdapUrl, PgsqlTarget, SqliteTarget, Target

DEFAULT_TIMEOUT = 6.0  # seconds for one query, pool wait included (ds_ldap's x-search-timeout default)
DEFAULT_CONNECTIONS = 8  # connections (or threads) per datasource URI
DEFAULT_MAX_ROWS = 100  # ds_core's max_rows default


@dataclass(frozen=True, slots=True)
class DriverSettings:
    timeout: float = DEFAULT_TIMEOUT
    connections: int = DEFAULT_CONNECTIONS
    # Seconds to wait for a free connection before giving up with TEMPFAIL (never longer than `timeout`).
    pool_wait: float | None = None
    max_rows: int = DEFAULT_MAX_ROWS

    @property
    def wait(self) -> float:
        return self.timeout if self.pool_wait is None else min(self.pool_wait, self.timeout)


class Prepared(Protocol):
    def placeholders(self) -> list[str]: ...


class Driver(Protocol):
    @property
    def busy(self) -> int: ...  # connections held by queries now (all of them: the pool is exhausted)
    def describe(self) -> str: ...
    def prepare(self, query: str) -> Prepared: ...
    async def fetch(self, prepared: Prepared, bound: dict[str, str]) -> Rows: ...
    async def aclose(self) -> None: ...


# driver name -> the extra that installs its library (None: the standard library's)
EXTRAS = {"sqlite": None, "pgsql": "ecconf[pgsql]", "ldap": "ecconf[ldap]"}


def missing(driver: str, library: str) -> MissingDriver:
    return MissingDriver(f"the {driver} datasource driver needs {library}: pip install '{EXTRAS[driver]}'")


def open_driver(target: Target, settings: DriverSettings) -> Driver:
    """The driver for a parsed datasource URI. MissingDriver names the extra to install."""
    if isinstance(target, SqliteTarget):
        from .sqlite import SqliteDriver

        return SqliteDriver(target, settings)
    if isinstance(target, PgsqlTarget):
        from .pgsql import PgsqlDriver

        return PgsqlDriver(target, settings)
    if isinstance(target, LdapUrl):
        from .ldap import LdapDriver

        return LdapDriver(target, settings)
    raise DatasourceError(f"no driver for {type(target).__name__}")
