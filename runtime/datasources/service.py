"""auth_ds on ds_core: named Datasources and Schemes, and `authenticate()`, the one call the server awaits.

Rule of this room: every attempt ends in an Outcome, never a raise. The order is: values no datasource could
hold (a NUL, text that is not UTF-8, an empty user name) are a FAIL without a query; a fresh cached answer is
served; else the query runs (bound values, the driver's timeout and pool) on the datasource's URIs in turn
(ds_core's round robin, skipping one that cannot answer); when none can, a cached positive answer is still
served, and otherwise the outcome is TEMPFAIL. A password check that costs CPU runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..password_hashes import MissingBackend
from .cache import AnswerCache, CachePolicy
from .driver import Driver, DriverSettings, Prepared, open_driver
from .judge import AuthSpec, Check, judge
from .outcome import DatasourceError, Outcome, RejectedInput, TemporaryFailure
from .query import AuthParams, check_placeholders
from .uri import parse_datasource_uri

log = logging.getLogger(__name__)
GRACE = 1.0  # seconds past a driver's own timeout before the service stops waiting for it


@dataclass(frozen=True, slots=True)
class DatasourceSpec:
    """One `Datasource "name" { uri = (...) cache_size cache_life no_cache max_rows }` scope."""

    uris: tuple[str, ...]
    cache: CachePolicy = field(default_factory=CachePolicy)
    settings: DriverSettings = field(default_factory=DriverSettings)


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    source: str  # "input", "cache", "query", "stale-cache" (a positive answer served while down), "down"


class Datasource:
    def __init__(
        self,
        name: str,
        spec: DatasourceSpec,
        base_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not spec.uris:
            raise DatasourceError(f"Datasource {name}: no uri")
        self.name = name
        self.spec = spec
        self.drivers: list[Driver] = [
            open_driver(parse_datasource_uri(uri, base_dir), spec.settings) for uri in spec.uris
        ]
        self.cache = AnswerCache(spec.cache, clock)
        self._next = 0

    def order(self) -> list[int]:
        """Indexes of the drivers to try for one query: round robin from the next one."""
        start = self._next
        self._next = (start + 1) % len(self.drivers)
        return [(start + i) % len(self.drivers) for i in range(len(self.drivers))]

    async def aclose(self) -> None:
        for driver in self.drivers:
            await driver.aclose()


def _unusable(params: AuthParams) -> bool:
    if not params.username:
        return True
    for value in (params.username, params.password, params.realm, params.nonce, params.digest_uri):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeError:
            return True
    return False


class Scheme:
    """An auth_ds `Scheme` with its `Authenticate` stanza, bound to its Datasource."""

    def __init__(self, name: str, spec: AuthSpec, datasource: Datasource) -> None:
        self.name = name
        self.spec = spec
        self.datasource = datasource
        self.prepared: list[Prepared] = [driver.prepare(spec.query) for driver in datasource.drivers]
        for prepared in self.prepared:
            check_placeholders(prepared.placeholders(), spec.map)

    async def authenticate(self, params: AuthParams) -> Outcome:
        return (await self.check(params)).outcome

    def at_hand(self, params: AuthParams) -> Answer | None:
        """The answer without a query (values no datasource could hold, a fresh cached answer), or None."""
        if _unusable(params):
            return Answer(Outcome.FAIL, "input")
        cache = self.datasource.cache
        if cache.policy.enabled:
            hit = cache.fresh(cache.key(self.name, params))
            if hit is not None:
                return Answer(Outcome.OK if hit else Outcome.FAIL, "cache")
        return None

    async def check(self, params: AuthParams) -> Answer:
        answer = self.at_hand(params)
        if answer is not None:
            return answer
        cache = self.datasource.cache
        key = cache.key(self.name, params) if cache.policy.enabled else b""
        try:
            ok = await self._query(params)
        except TemporaryFailure as error:
            if key and cache.stale_positive(key):
                log.warning("auth_ds %s: %s; serving a cached positive answer", self.name, error)
                return Answer(Outcome.OK, "stale-cache")
            log.warning("auth_ds %s: %s", self.name, error)
            return Answer(Outcome.TEMPFAIL, "down")
        if key:
            cache.put(key, ok)
        return Answer(Outcome.OK if ok else Outcome.FAIL, "query")

    async def _query(self, params: AuthParams) -> bool:
        bound = self.spec.map.expand(params)
        last: TemporaryFailure | None = None
        for index in self.datasource.order():
            driver, prepared = self.datasource.drivers[index], self.prepared[index]
            timeout = self.datasource.spec.settings.timeout + GRACE
            try:
                rows = await asyncio.wait_for(driver.fetch(prepared, bound), timeout)
            except RejectedInput:
                return False
            except TimeoutError:
                last = TemporaryFailure(f"{driver.describe()}: no answer within {timeout:g} s")
                continue
            except TemporaryFailure as error:
                last = TemporaryFailure(f"{driver.describe()}: {error}")
                continue
            except Exception as error:  # a driver bug must cost one attempt, not the session
                log.error("auth_ds %s: %s: unexpected %s", self.name, driver.describe(), type(error).__name__)
                last = TemporaryFailure(f"{driver.describe()}: unexpected {type(error).__name__}")
                continue
            return await self._decide(judge(rows, self.spec, self.name), params)
        raise last or TemporaryFailure("no datasource URI")

    async def _decide(self, verdict: bool | Check, params: AuthParams) -> bool:
        if isinstance(verdict, bool):
            return verdict
        try:
            if verdict.costly:
                return await asyncio.to_thread(verdict.run, params)
            return verdict.run(params)
        except MissingBackend as error:
            raise TemporaryFailure(str(error)) from None


class Schemes:
    """Every Datasource and Scheme of a config, opened once for the whole server."""

    def __init__(
        self,
        datasources: Mapping[str, DatasourceSpec],
        schemes: Mapping[str, AuthSpec],
        base_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.datasources = {name: Datasource(name, spec, base_dir, clock) for name, spec in datasources.items()}
        self.schemes: dict[str, Scheme] = {}
        for name, spec in schemes.items():
            if spec.cache not in self.datasources:
                known = ", ".join(sorted(self.datasources)) or "none"
                raise DatasourceError(f"Scheme {name}: cache {spec.cache!r} names no Datasource (defined: {known})")
            self.schemes[name] = Scheme(name, spec, self.datasources[spec.cache])

    def __getitem__(self, name: str) -> Scheme:
        return self.schemes[name]

    async def aclose(self) -> None:
        for datasource in self.datasources.values():
            await datasource.aclose()
