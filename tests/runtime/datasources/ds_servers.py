"""Real database servers for the datasource tests: a throwaway PostgreSQL cluster and an OpenLDAP slapd.

Each is started once per session (by bench/db_servers.py, which the datasource benchmark shares), loaded with
the same users, and stopped (and its folder removed) at the end. A server whose binaries or driver are missing
skips its tests, saying what to install; every other failure to start is an error.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecconf.runtime import password_hashes

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/ is a folder of the checkout
from bench.db_servers import PgCluster, Slapd, Unavailable, person_ldif, start_pg, start_slapd

# (user, password, scheme letter for type_map, stored value): one per kind of stored hash.
USERS = [
    ("alice", "alice-pw", "C", "alice-pw"),
    ("bob", "bob-pw", "S", None),  # ssha1 (made below)
    ("carol", "carol-pw", "U", None),  # ucrypt: $6$
    ("dave", "dave-pw", "H", None),  # sha1_hex
    ("erin", "erin-pw", "P", None),  # rfc2307: {SHA512-CRYPT}
]


@functools.cache
def stored_values() -> list[tuple[str, str, str, str]]:
    """Made once per session; the crypt hashes with few rounds so that checking them stays fast."""
    import base64
    import hashlib

    from passlib.hash import sha512_crypt

    fast_crypt = sha512_crypt.using(rounds=5000)

    out = []
    for user, password, letter, value in USERS:
        if letter == "S":
            salt = b"salt4u"
            value = base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()
        elif letter == "U":
            value = fast_crypt.hash(password)
        elif letter == "H":
            value = hashlib.sha1(password.encode()).hexdigest()
        elif letter == "P":
            value = "{SHA512-CRYPT}" + fast_crypt.hash(password)
        assert value is not None
        out.append((user, password, letter, value))
    return out


# The query every SQL test's "hashed" scheme runs: the password and the letter type_map reads.
PASSWORD_QUERY = "SELECT password, scheme FROM users WHERE name = :user"


def make_db(path: Path) -> Path:
    """A SQLite database file with USERS in the users table PASSWORD_QUERY reads."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT PRIMARY KEY, password TEXT NOT NULL, scheme TEXT NOT NULL)")
        conn.executemany("INSERT INTO users VALUES (?, ?, ?)", [(u, v, t) for u, _, t, v in stored_values()])
    return path


TYPE_MAP = {"C": "clear", "S": "ssha1", "U": "ucrypt", "H": "sha1_hex", "P": "rfc2307"}


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    try:
        cluster = start_pg([(u, v, t) for u, _, t, v in stored_values()])
    except Unavailable as missing:
        pytest.skip(str(missing))
    try:
        yield cluster
    finally:
        cluster.remove()


# --- OpenLDAP ---


def _people() -> list[str]:
    # description holds the stored value for type_map searches (its letter in employeeType), as
    # Openwave-style directories keep them.
    return [
        person_ldif(user, password_hashes.make("SSHA", password), letter, value)
        for user, password, letter, value in stored_values()
    ]


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    try:
        server = start_slapd(_people())
    except Unavailable as missing:
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.remove()


async def exhausted_pool_is_tempfail(s: Any, user: str, password: str) -> None:
    """The one connection held by the "slow" Scheme's query: another check is TEMPFAIL within the pool
    wait (not the slow query's timeout), the slow one ends TEMPFAIL, and then the pool serves again."""
    from ecconf.runtime.datasources import AuthParams, Outcome

    driver = s.datasources["authdb"].drivers[0]
    slow = asyncio.create_task(s["slow"].authenticate(AuthParams("alice", "x")))
    # Wait (bounded) until the slow query holds the only connection; a condition, not a delay.
    deadline = time.monotonic() + 5
    while driver.busy == 0 and not slow.done() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert driver.busy == 1
    started = time.monotonic()
    assert await s["truth"].authenticate(AuthParams(user, password)) is Outcome.TEMPFAIL
    assert time.monotonic() - started < 1.0  # the pool wait, not the slow query's timeout
    assert await slow is Outcome.TEMPFAIL
    assert await s["truth"].authenticate(AuthParams("alice", "alice-pw")) is Outcome.OK
