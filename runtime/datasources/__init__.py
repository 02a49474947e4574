"""auth_ds and ds_core: SMTP AUTH checked by queries against SQLite, PostgreSQL or LDAP datasources.

Rule of this room: this package is the datasource side of the runtime, and the only one that talks to a
database. Its pure parts (uri, query, cache, judge, options, outcome, driver) take no I/O; its drivers
(sqlite, pgsql, ldap, on threads.py for the blocking ones) and the service that awaits them are the asyncio
side. The PostgreSQL and LDAP libraries are extras,
imported only by their driver module and only when a datasource names that driver.

The face: turn the config's option dicts into specs (`datasource_spec`, `auth_spec`), build
`Schemes(datasources, schemes, base_dir)` once, then `await schemes["name"].authenticate(
AuthParams(username, password))` -> Outcome.OK / FAIL / TEMPFAIL; `await schemes.aclose()` at shutdown.
SchemeStore is the same scheme as the store registry sees a `name://` URI; BlockingSchemes, for callers
that cannot await.
"""

from __future__ import annotations

from .cache import CachePolicy
from .driver import DriverSettings
from .judge import AuthSpec
from .options import auth_spec, datasource_spec
from .outcome import DatasourceError, MissingDriver, Outcome
from .query import AuthParams
from .service import Answer, Datasource, DatasourceSpec, Scheme, Schemes
from .store import BlockingSchemes, SchemeStore, scheme_name

__all__ = [
    "Answer",
    "AuthParams",
    "AuthSpec",
    "BlockingSchemes",
    "CachePolicy",
    "Datasource",
    "DatasourceError",
    "DatasourceSpec",
    "DriverSettings",
    "MissingDriver",
    "Outcome",
    "Scheme",
    "SchemeStore",
    "Schemes",
    "auth_spec",
    "datasource_spec",
    "scheme_name",
]
