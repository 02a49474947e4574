"""The SQLite driver end to end on a real database file: every type_map scheme, truth-value queries, injection
attempts, a query past its timeout, an exhausted pool, and a database file that appears after start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from ds_servers import PASSWORD_QUERY, TYPE_MAP, USERS, exhausted_pool_is_tempfail, make_db

from ecconf.runtime.datasources import (
    AuthParams,
    AuthSpec,
    CachePolicy,
    DatasourceError,
    DatasourceSpec,
    DriverSettings,
    Outcome,
    Schemes,
)

TRUTH_QUERY = "SELECT count(*) FROM users WHERE name = :user AND password = :pass AND scheme = 'C'"
SLOW_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c, users WHERE name = :user"
)
INJECTIONS = ["' OR 1=1 --", "alice' --", "alice\x00", "a" * 10240, "%", ":user", "alice' OR '1'='1"]


def schemes(db: Path, cache: bool = False, **settings: float) -> Schemes:
    spec = DatasourceSpec((f"sqlite:{db.name}",), CachePolicy(enabled=cache), DriverSettings(**settings))  # type: ignore[arg-type]
    return Schemes(
        {"authdb": spec},
        {
            "hashed": AuthSpec.build(
                PASSWORD_QUERY, "authdb", {"user": "%{username}"}, True, "password", None, "scheme", TYPE_MAP
            ),
            "truth": AuthSpec.build(TRUTH_QUERY, "authdb", {"user": "%{username}", "pass": "%{password}"}),
            "slow": AuthSpec.build(SLOW_QUERY, "authdb", {"user": "%{username}"}),
        },
        base_dir=db.parent,
    )


def run(db: Path, body: Callable[[Schemes], Awaitable[None]], **kwargs: object) -> None:
    async def main() -> None:
        opened = schemes(db, **kwargs)  # type: ignore[arg-type]
        try:
            await body(opened)
        finally:
            await opened.aclose()

    asyncio.run(main())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "auth.db")


def test_every_type_map_scheme_checks_its_password(db: Path) -> None:
    async def body(s: Schemes) -> None:
        for user, password, _letter, _value in USERS:
            assert await s["hashed"].authenticate(AuthParams(user, password)) is Outcome.OK, user
            assert await s["hashed"].authenticate(AuthParams(user, password + "x")) is Outcome.FAIL, user
        assert await s["hashed"].authenticate(AuthParams("nobody", "alice-pw")) is Outcome.FAIL

    run(db, body)


def test_a_truth_value_query_decides_by_its_first_column(db: Path) -> None:
    async def body(s: Schemes) -> None:
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        assert await s["truth"].authenticate(AuthParams("alice", "bob-pw")) is Outcome.FAIL
        assert await s["truth"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.FAIL  # count 0

    run(db, body)


@pytest.mark.parametrize("scheme", ["hashed", "truth"])
def test_injection_attempts_in_user_names_and_passwords_are_a_plain_fail(db: Path, scheme: str) -> None:
    async def body(s: Schemes) -> None:
        for name in INJECTIONS:
            assert await s[scheme].authenticate(AuthParams(name, "x")) is Outcome.FAIL, name[:20]
            assert await s[scheme].authenticate(AuthParams("alice", name)) is Outcome.FAIL, name[:20]
        assert await s[scheme].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(db, body)


def test_a_query_past_its_timeout_is_tempfail_and_the_pool_recovers(db: Path) -> None:
    async def body(s: Schemes) -> None:
        started = time.monotonic()
        assert await s["slow"].authenticate(AuthParams("alice", "x")) is Outcome.TEMPFAIL
        assert time.monotonic() - started < 5  # interrupted, not run to its end
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(db, body, timeout=0.3, connections=1)


def test_an_exhausted_pool_is_tempfail_not_a_hang(db: Path) -> None:
    async def body(s: Schemes) -> None:
        await exhausted_pool_is_tempfail(s, "alice", "alice-pw")

    run(db, body, connections=1, pool_wait=0.1, timeout=1.5)


def test_a_missing_database_is_tempfail_until_it_exists(tmp_path: Path) -> None:
    db = tmp_path / "auth.db"

    async def body(s: Schemes) -> None:
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.TEMPFAIL
        make_db(db)
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(db, body)


def test_the_database_is_opened_read_only(db: Path) -> None:
    async def body(s: Schemes) -> None:
        spec = AuthSpec.build("DELETE FROM users WHERE name = :user", "authdb", {"user": "%{username}"})
        from ecconf.runtime.datasources.service import Scheme

        writer = Scheme("writer", spec, s.datasources["authdb"])
        assert await writer.authenticate(AuthParams("alice", "x")) is Outcome.TEMPFAIL
        assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK

    run(db, body)


def test_scheme_errors_are_found_when_built(db: Path) -> None:
    with pytest.raises(DatasourceError, match="no map entry: pass"):
        Schemes(
            {"authdb": DatasourceSpec((f"sqlite:{db}",))},
            {"x": AuthSpec.build(TRUTH_QUERY, "authdb", {"user": "%{username}"})},
        )
    with pytest.raises(DatasourceError, match="names no Datasource"):
        Schemes({}, {"x": AuthSpec.build(PASSWORD_QUERY, "nosuch", {"user": "%{username}"})})
    with pytest.raises(DatasourceError, match="unknown password type"):
        AuthSpec.build(PASSWORD_QUERY, "authdb", {"user": "%{username}"}, True, type="rot13")
    with pytest.raises(DatasourceError, match="returns_password"):
        AuthSpec.build(PASSWORD_QUERY, "authdb", {"user": "%{username}"}, False, password_column="password")


def test_a_datasource_uri_that_cannot_answer_is_skipped_for_the_next(db: Path) -> None:
    async def main() -> None:
        uris = (f"sqlite:{db.parent / 'missing.db'}", f"sqlite:{db}")
        spec = DatasourceSpec(uris, CachePolicy(enabled=False))
        schemes = Schemes(
            {"authdb": spec},
            {"truth": AuthSpec.build(TRUTH_QUERY, "authdb", {"user": "%{username}", "pass": "%{password}"})},
        )
        try:
            for _ in range(3):  # round robin starts on each URI in turn; the missing one is skipped
                assert await schemes["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        finally:
            await schemes.aclose()

    asyncio.run(main())


def test_fifty_concurrent_attempts_all_get_their_answer(db: Path) -> None:
    cheap = [(u, p) for u, p, letter, _ in USERS if letter in "CSH"]  # no crypt: the datasource is under test

    async def body(s: Schemes) -> None:
        attempts = [cheap[i % len(cheap)] for i in range(50)]
        outcomes = await asyncio.gather(*(s["hashed"].authenticate(AuthParams(u, p)) for u, p in attempts))
        assert outcomes == [Outcome.OK] * 50
        wrong = await asyncio.gather(*(s["hashed"].authenticate(AuthParams(u, p + "!")) for u, p in attempts))
        assert wrong == [Outcome.FAIL] * 50

    run(db, body, connections=4)
