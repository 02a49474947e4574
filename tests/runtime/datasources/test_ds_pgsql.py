"""The PostgreSQL driver against a real throwaway cluster: every type_map scheme, truth-value queries,
injection attempts, a query past its timeout, an exhausted pool, and the server stopped mid-run and restarted
(TEMPFAIL, cached positive answers still served, then OK again on the first attempt after the restart)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import pytest
from ds_servers import TYPE_MAP, USERS, PgCluster, exhausted_pool_is_tempfail

from ecconf.runtime.datasources import (
    AuthParams,
    AuthSpec,
    CachePolicy,
    DatasourceSpec,
    DriverSettings,
    Outcome,
    Schemes,
)

PASSWORD_QUERY = "SELECT password, scheme FROM users WHERE name = :user"
TRUTH_QUERY = "SELECT count(*) FROM users WHERE name = :user AND password = :pass AND scheme = 'C'"
SLOW_QUERY = "SELECT 1 FROM users, pg_sleep(30) WHERE name = :user"
INJECTIONS = [
    "' OR 1=1 --",
    "alice' --",
    "alice\x00",
    "a" * 10240,
    "%s",
    "%(user)s",
    ":user",
    "\\'; DROP TABLE users; --",
]


class Clock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


def open_schemes(
    pg: PgCluster, cache: bool = False, clock: Callable[[], float] = time.monotonic, **settings: float
) -> Schemes:
    spec = DatasourceSpec((pg.uri(),), CachePolicy(enabled=cache, life=60), DriverSettings(**settings))  # type: ignore[arg-type]
    return Schemes(
        {"authdb": spec},
        {
            "hashed": AuthSpec.build(
                PASSWORD_QUERY, "authdb", {"user": "%{username}"}, True, "password", None, "scheme", TYPE_MAP
            ),
            "truth": AuthSpec.build(TRUTH_QUERY, "authdb", {"user": "%{username}", "pass": "%{password}"}),
            "slow": AuthSpec.build(SLOW_QUERY, "authdb", {"user": "%{username}"}),
        },
        clock=clock,
    )


def run(pg: PgCluster, body: Callable[[Schemes], Awaitable[None]], **kwargs: object) -> None:
    async def main() -> None:
        opened = open_schemes(pg, **kwargs)  # type: ignore[arg-type]
        try:
            await body(opened)
        finally:
            await opened.aclose()

    asyncio.run(main())


def test_every_type_map_scheme_checks_its_password(pg: PgCluster) -> None:
    async def body(s: Schemes) -> None:
        for user, password, _letter, _value in USERS:
            assert await s["hashed"].authenticate(AuthParams(user, password)) is Outcome.OK, user
            assert await s["hashed"].authenticate(AuthParams(user, password + "x")) is Outcome.FAIL, user
        assert await s["hashed"].authenticate(AuthParams("nobody", "alice-pw")) is Outcome.FAIL
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        assert await s["truth"].authenticate(AuthParams("alice", "bob-pw")) is Outcome.FAIL

    run(pg, body)


def test_injection_attempts_are_a_plain_fail(pg: PgCluster) -> None:
    async def body(s: Schemes) -> None:
        for scheme in ("hashed", "truth"):
            for name in INJECTIONS:
                assert await s[scheme].authenticate(AuthParams(name, "x")) is Outcome.FAIL, name[:20]
                assert await s[scheme].authenticate(AuthParams("alice", name)) is Outcome.FAIL, name[:20]
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(pg, body)
    pg.admin("SELECT count(*) FROM users")  # the table is still there


def test_a_slow_query_past_the_timeout_is_tempfail_then_ok(pg: PgCluster) -> None:
    async def body(s: Schemes) -> None:
        started = time.monotonic()
        assert await s["slow"].authenticate(AuthParams("alice", "x")) is Outcome.TEMPFAIL
        assert time.monotonic() - started < 10  # cancelled by the server, not slept out (30 s)
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(pg, body, timeout=0.5, connections=1)


def test_an_exhausted_pool_is_tempfail_not_a_hang(pg: PgCluster) -> None:
    async def body(s: Schemes) -> None:
        await exhausted_pool_is_tempfail(s, "bob", "bob-pw")

    run(pg, body, connections=1, pool_wait=0.2, timeout=1.5)


def test_a_wrong_datasource_password_is_tempfail_and_never_logged(
    pg: PgCluster, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        spec = DatasourceSpec(
            (pg.uri(password="not-the-role-pw-9q"),), CachePolicy(enabled=False), DriverSettings(timeout=1)
        )
        s = Schemes(
            {"authdb": spec},
            {"truth": AuthSpec.build(TRUTH_QUERY, "authdb", {"user": "%{username}", "pass": "%{password}"})},
        )
        try:
            assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.TEMPFAIL
        finally:
            await s.aclose()

    asyncio.run(main())
    assert "not-the-role-pw-9q" not in caplog.text and "alice-pw" not in caplog.text


def test_the_server_stopped_mid_run_then_restarted(pg: PgCluster) -> None:
    clock = Clock()

    async def body(s: Schemes) -> None:
        hashed = s["hashed"]
        assert (await hashed.check(AuthParams("alice", "alice-pw"))).source == "query"
        assert (await hashed.check(AuthParams("alice", "alice-pw"))).source == "cache"
        clock.now += 3600  # alice's answer is past its life: only served while the server is down
        pg.stop()
        try:
            answer = await hashed.check(AuthParams("alice", "alice-pw"))
            assert (answer.outcome, answer.source) == (Outcome.OK, "stale-cache")
            assert await hashed.authenticate(AuthParams("alice", "wrong")) is Outcome.TEMPFAIL
            down = time.monotonic()
            assert await hashed.authenticate(AuthParams("bob", "bob-pw")) is Outcome.TEMPFAIL
            assert time.monotonic() - down < 2.5  # a refused connect, not the pool wait (3 s) again
        finally:
            pg.start()
        started = time.monotonic()
        assert await hashed.authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK
        assert time.monotonic() - started < 5
        answer = await hashed.check(AuthParams("alice", "alice-pw"))
        assert (answer.outcome, answer.source) == (Outcome.OK, "query")

    run(pg, body, cache=True, clock=clock, timeout=3.0, connections=2)


def test_a_missing_extra_names_what_to_install() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from ecconf.runtime.datasources import Schemes, DatasourceSpec, MissingDriver\n"
        "try:\n    Schemes({'db': DatasourceSpec(('pgsql:dbname=mail;password=pw',))}, {})\n"
        "except MissingDriver as e:\n    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'ecconf[pgsql]'" in done.stdout


def test_fifty_concurrent_attempts_all_get_their_answer(pg: PgCluster) -> None:
    cheap = [(u, p) for u, p, letter, _ in USERS if letter in "CSH"]  # no crypt: the datasource is under test

    async def body(s: Schemes) -> None:
        attempts = [cheap[i % len(cheap)] for i in range(50)]
        outcomes = await asyncio.gather(*(s["hashed"].authenticate(AuthParams(u, p)) for u, p in attempts))
        assert outcomes == [Outcome.OK] * 50
        wrong = await asyncio.gather(*(s["hashed"].authenticate(AuthParams(u, p + "!")) for u, p in attempts))
        assert wrong == [Outcome.FAIL] * 50

    run(pg, body, connections=8)
