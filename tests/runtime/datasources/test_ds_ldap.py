"""The LDAP driver against a real OpenLDAP slapd: searches returning password attributes (type_map and
rfc2307), existence queries, bind-only, filter and DN injection, and the server stopped then restarted."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from ds_servers import TYPE_MAP, USERS, Slapd

from ecconf.runtime.datasources import (
    AuthParams,
    AuthSpec,
    CachePolicy,
    DatasourceSpec,
    DriverSettings,
    Outcome,
    Schemes,
)

USER_MAP = {"user": "%{username}"}
BIND_MAP = {"user": "%{username}", "pass": "%{password}"}
SCHEMES = {
    # Openwave style: the password and its type letter in two attributes.
    "typed": AuthSpec.build(
        "ldap:///?description,employeeType?sub?(uid=$user)",
        "dir",
        USER_MAP,
        True,
        "description",
        None,
        "employeeType",
        TYPE_MAP,
    ),
    # userPassword in its {SCHEME} form, as OpenLDAP and Dovecot write it.
    "rfc2307": AuthSpec.build(
        "ldap:///?userPassword?sub?(|(uid=$user)(mail=$user))", "dir", USER_MAP, True, "userPassword", "rfc2307"
    ),
    # Momentum's suggestion: a query returning the common name (a truth value: the entry exists).
    "exists": AuthSpec.build("ldap:///?cn?sub?(uid=$user)", "dir", USER_MAP),
    "bind": AuthSpec.build(
        "ldap:///????bindname=uid=$user%2Cou=people%2Cdc=example%2Cdc=com,x-bindpw=$pass", "dir", BIND_MAP
    ),
}


def run(slapd: Slapd, body: Callable[[Schemes], Awaitable[None]], uri: str | None = None, **kwargs: object) -> None:
    cache = bool(kwargs.pop("cache", False))

    async def main() -> None:
        spec = DatasourceSpec((uri or slapd.uri(),), CachePolicy(enabled=cache), DriverSettings(**kwargs))  # type: ignore[arg-type]
        opened = Schemes({"dir": spec}, SCHEMES)
        try:
            await body(opened)
        finally:
            await opened.aclose()

    asyncio.run(main())


def test_a_search_returning_passwords_checks_every_type_map_scheme(slapd: Slapd) -> None:
    async def body(s: Schemes) -> None:
        for user, password, _letter, _value in USERS:
            assert await s["typed"].authenticate(AuthParams(user, password)) is Outcome.OK, user
            assert await s["typed"].authenticate(AuthParams(user, password + "x")) is Outcome.FAIL, user
            assert await s["rfc2307"].authenticate(AuthParams(user, password)) is Outcome.OK, user
            assert await s["rfc2307"].authenticate(AuthParams(f"{user}@example.com", password)) is Outcome.OK
            assert await s["rfc2307"].authenticate(AuthParams(user, "")) is Outcome.FAIL
        assert await s["typed"].authenticate(AuthParams("nobody", "x")) is Outcome.FAIL

    run(slapd, body)


def test_bind_only_passes_the_credentials_to_the_directory(slapd: Slapd) -> None:
    async def body(s: Schemes) -> None:
        assert await s["bind"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        assert await s["bind"].authenticate(AuthParams("alice", "bob-pw")) is Outcome.FAIL
        assert await s["bind"].authenticate(AuthParams("nobody", "alice-pw")) is Outcome.FAIL
        # An empty password would be an unauthenticated bind, which the server accepts (RFC 4513 §5.1.2).
        assert await s["bind"].authenticate(AuthParams("alice", "")) is Outcome.FAIL
        # A user name that tries to be a DN of its own stays one escaped value.
        assert await s["bind"].authenticate(AuthParams("alice,ou=people", "alice-pw")) is Outcome.FAIL
        assert await s["bind"].authenticate(AuthParams("cn=admin,dc=example,dc=com", "admin-pw-77")) is Outcome.FAIL

    run(slapd, body)


def test_one_connection_rebinds_for_every_bind_only_check(slapd: Slapd) -> None:
    """One slot: each check binds again on the same connection, and the identity of the last one never
    answers for the next (a wrong password after a right one, a search after a bind)."""
    sequence = [("alice", "alice-pw", True), ("bob", "alice-pw", False), ("bob", "bob-pw", True)]
    sequence += [("bob", "wrong", False), ("alice", "alice-pw", True), ("alice", "", False)]

    async def body(s: Schemes) -> None:
        for user, password, ok in sequence:
            assert (await s["bind"].authenticate(AuthParams(user, password)) is Outcome.OK) is ok, (user, password)
        assert await s["rfc2307"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK  # the service identity
        assert await s["bind"].authenticate(AuthParams("carol", "carol-pw")) is Outcome.OK

    run(slapd, body, connections=1)


def test_filter_injection_is_escaped(slapd: Slapd) -> None:
    async def body(s: Schemes) -> None:
        assert await s["exists"].authenticate(AuthParams("alice", "anything")) is Outcome.OK
        for name in ["*", "*)(uid=*", "alice)(|(uid=*", "ali*", "\\2a", "alice\x00", "a" * 10240]:
            assert await s["exists"].authenticate(AuthParams(name, "x")) is Outcome.FAIL, name[:20]
            assert await s["rfc2307"].authenticate(AuthParams(name, "alice-pw")) is Outcome.FAIL, name[:20]

    run(slapd, body)


def test_a_service_account_that_cannot_bind_is_tempfail(slapd: Slapd) -> None:
    async def body(s: Schemes) -> None:
        assert await s["typed"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.TEMPFAIL

    run(slapd, body, uri=slapd.uri(admin_password="wrong-admin-pw"))


def test_the_directory_stopped_then_restarted(slapd: Slapd) -> None:
    async def body(s: Schemes) -> None:
        assert await s["typed"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        slapd.stop()
        try:
            assert await s["typed"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK  # cached
            assert await s["typed"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.TEMPFAIL
            assert await s["bind"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.TEMPFAIL
        finally:
            slapd.start()
        started = time.monotonic()
        assert await s["typed"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK
        assert await s["bind"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK
        assert time.monotonic() - started < 5

    run(slapd, body, cache=True, timeout=1.0, connections=2)


def wait_until_stopped(pid: int) -> None:
    """SIGSTOP takes effect asynchronously: wait (bounded) until every thread of `pid` is stopped."""
    deadline = time.monotonic() + 5
    tasks = Path(f"/proc/{pid}/task")
    while time.monotonic() < deadline:
        states = [(t / "stat").read_text().rpartition(")")[2].split()[0] for t in tasks.iterdir()]
        if states and all(state in "Tt" for state in states):
            return
        time.sleep(0.01)
    raise AssertionError(f"slapd {pid} did not stop")


def test_a_frozen_directory_is_tempfail_within_the_timeout_then_ok(slapd: Slapd) -> None:
    """slapd stopped with SIGSTOP: connections open but nothing answers, the way a hung server looks."""
    assert slapd.process is not None
    process = slapd.process

    async def body(s: Schemes) -> None:
        assert await s["typed"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
        process.send_signal(signal.SIGSTOP)
        wait_until_stopped(process.pid)
        try:
            started = time.monotonic()
            assert await s["typed"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.TEMPFAIL
            assert await s["bind"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.TEMPFAIL
            # Both connections are now stuck in threads waiting on the frozen server: the pool is exhausted.
            assert await s["typed"].authenticate(AuthParams("carol", "carol-pw")) is Outcome.TEMPFAIL
            assert time.monotonic() - started < 8
        finally:
            process.send_signal(signal.SIGCONT)
        assert await s["typed"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK
        assert await s["bind"].authenticate(AuthParams("bob", "bob-pw")) is Outcome.OK

    run(slapd, body, timeout=1.0, connections=2, pool_wait=0.2)


def test_a_missing_extra_names_what_to_install() -> None:
    code = (
        "import sys; sys.modules['ldap3'] = None\n"
        "from ecconf.runtime.datasources import Schemes, DatasourceSpec, MissingDriver\n"
        "try:\n    Schemes({'db': DatasourceSpec(('ldap://localhost/dc=x',))}, {})\n"
        "except MissingDriver as e:\n    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'ecconf[ldap]'" in done.stdout


def test_x_search_timeout_sets_the_query_timeout() -> None:
    pytest.importorskip("ldap3")
    from ecconf.runtime.datasources.driver import open_driver
    from ecconf.runtime.datasources.outcome import DatasourceError
    from ecconf.runtime.datasources.uri import parse_ldap_url

    driver = open_driver(parse_ldap_url("ldap://localhost/dc=x????x-search-timeout=2.5"), DriverSettings())
    assert driver.settings.timeout == 2.5  # type: ignore[attr-defined]
    with pytest.raises(DatasourceError, match="x-search-timeout"):
        open_driver(parse_ldap_url("ldap://localhost/dc=x????x-search-timeout=soon"), DriverSettings())


def test_fifty_concurrent_attempts_all_get_their_answer(slapd: Slapd) -> None:
    cheap = [(u, p) for u, p, letter, _ in USERS if letter in "CSH"]  # no crypt: the datasource is under test

    async def body(s: Schemes) -> None:
        attempts = [cheap[i % len(cheap)] for i in range(50)]
        outcomes = await asyncio.gather(*(s["typed"].authenticate(AuthParams(u, p)) for u, p in attempts))
        assert outcomes == [Outcome.OK] * 50
        wrong = await asyncio.gather(*(s["typed"].authenticate(AuthParams(u, p + "!")) for u, p in attempts))
        assert wrong == [Outcome.FAIL] * 50

    run(slapd, body, connections=4)
