"""Real database servers for the datasource tests: a throwaway PostgreSQL cluster and an OpenLDAP slapd.

Each is started once per session in a temporary folder of its own, on a Unix socket there (no port to race
for), loaded with the same users, and stopped (and its folder removed) at the end. PostgreSQL refuses to run as
root, so under root it runs as `nobody`. A server whose binaries are missing skips its tests, saying which
package to install; every other failure to start is an error.
"""

from __future__ import annotations

import asyncio
import functools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ecconf.runtime import password_hashes


def _pg_bin() -> Path:
    """Debian's newest installed PostgreSQL server (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
LDAP_SCHEMA = Path("/etc/ldap/schema")
STARTUP = 30.0  # seconds a server gets to come up before the fixture gives up (bounded, never a sync sleep)
AUTH_ROLE, AUTH_ROLE_PASSWORD = "ecauth", "role-pw-5f1e"

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


def _runner() -> tuple[int | None, int | None]:
    """The uid/gid a server that refuses root runs as: ours, or nobody's when we are root."""
    if os.geteuid() != 0:
        return None, None
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _wait_for(check: object, what: str) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {STARTUP:g} s")


def _accepts(path: Path) -> bool:
    """Whether a server is accepting on the Unix socket `path` (not only that the file exists)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True


@dataclass
class PgCluster:
    root: Path
    uid: int | None
    gid: int | None

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def uri(self, role: str = AUTH_ROLE, password: str = AUTH_ROLE_PASSWORD) -> str:
        return f"pgsql:host={self.socket_dir};dbname=mail;user={role};password={password}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(args, user=self.uid, group=self.gid, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        options = f"-k {self.socket_dir} -c listen_addresses='' -p 5432 -c fsync=off -c max_connections=40"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), dbname="mail", user="ecconf", autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    pytest.importorskip("psycopg", reason="pip install 'ecconf[pgsql]' for the PostgreSQL driver tests")
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql)")
    uid, gid = _runner()
    # In /tmp itself, whatever TMPDIR says: the server user must be able to reach it, and a socket path is short.
    root = Path(tempfile.mkdtemp(prefix="ecconf-pg-", dir="/tmp"))
    (root / "run").mkdir()
    if uid is not None:
        for path in (root, root / "run"):
            os.chown(path, uid, gid or 0)
    cluster = PgCluster(root, uid, gid)
    try:
        cluster._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            "ecconf",
            "-E",
            "UTF8",
            "--no-sync",
            "--auth-local=trust",
        )
        (cluster.data / "pg_hba.conf").write_text(
            f"local all {AUTH_ROLE} scram-sha-256\nlocal all all trust\n", encoding="utf-8"
        )
        cluster.start()
        with_users(cluster)
        yield cluster
    finally:
        try:
            cluster.stop()
        except RuntimeError:
            pass
        shutil.rmtree(root, ignore_errors=True)


def with_users(cluster: PgCluster) -> None:
    import psycopg

    rows = stored_values()
    with psycopg.connect(host=str(cluster.socket_dir), dbname="postgres", user="ecconf", autocommit=True) as conn:
        conn.execute("CREATE DATABASE mail")
    with psycopg.connect(host=str(cluster.socket_dir), dbname="mail", user="ecconf", autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {AUTH_ROLE} LOGIN PASSWORD '{AUTH_ROLE_PASSWORD}'")
        conn.execute("CREATE TABLE users (name text PRIMARY KEY, password text NOT NULL, scheme text NOT NULL)")
        conn.execute(f"GRANT SELECT ON users TO {AUTH_ROLE}")
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO users VALUES (%s, %s, %s)", [(u, v, t) for u, _, t, v in rows])


# --- OpenLDAP ---

LDAP_SUFFIX = "dc=example,dc=com"
LDAP_ADMIN, LDAP_ADMIN_PASSWORD = f"cn=admin,{LDAP_SUFFIX}", "admin-pw-77"


@dataclass
class Slapd:
    root: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.root / "ldapi"

    def uri(self, admin_password: str = LDAP_ADMIN_PASSWORD) -> str:
        from urllib.parse import quote

        admin = quote(LDAP_ADMIN, safe="=")
        return (
            f"ldapi://{quote(str(self.socket), safe='')}/ou=people,{LDAP_SUFFIX}"
            f"????bindname={admin},x-bindpw={admin_password}"
        )

    def start(self) -> None:
        from urllib.parse import quote

        url = "ldapi://" + quote(str(self.socket), safe="")
        conf = str(self.root / "slapd.conf")
        process = subprocess.Popen(
            [str(SLAPD), "-f", conf, "-h", url, "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.process = process
        _wait_for(lambda: _accepts(self.socket) or process.poll() is not None, "slapd")
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {process.stderr.read().decode() if process.stderr else ''}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None


def _ldif() -> str:
    parts = [
        f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
        f"dn: ou=people,{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    for user, _password, letter, value in stored_values():
        # userPassword in a form slapd checks binds against; description holds the value for type_map searches
        # (its letter in employeeType), as Openwave-style directories keep them.
        rfc2307 = password_hashes.make("SSHA", _password)
        parts.append(
            f"dn: uid={user},ou=people,{LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: {user}\ncn: {user}\n"
            f"sn: {user}\nmail: {user}@example.com\nemployeeType: {letter}\ndescription: {value}\n"
            f"userPassword: {rfc2307}\n"
        )
    return "\n".join(parts)


def _slapd_conf(root: Path) -> str:
    schemas = "\n".join(f"include {LDAP_SCHEMA / n}.schema" for n in ("core", "cosine", "inetorgperson", "nis"))
    return f"""{schemas}
pidfile {root}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{LDAP_SUFFIX}"
rootdn "{LDAP_ADMIN}"
rootpw {LDAP_ADMIN_PASSWORD}
directory {root}/db
access to attrs=userPassword,description by anonymous auth by * none
access to * by * read
"""


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    pytest.importorskip("ldap3", reason="pip install 'ecconf[ldap]' for the LDAP driver tests")
    if not SLAPD.exists() or not SLAPADD.exists():
        pytest.skip("OpenLDAP slapd not found (apt-get install slapd ldap-utils)")
    root = Path(tempfile.mkdtemp(prefix="ecconf-ldap-", dir="/tmp"))  # a short ldapi socket path
    (root / "db").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(_slapd_conf(root), encoding="utf-8")
    (root / "data.ldif").write_text(_ldif(), encoding="utf-8")
    added = subprocess.run(
        [str(SLAPADD), "-f", str(conf), "-l", str(root / "data.ldif")], capture_output=True, text=True
    )
    if added.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"slapadd failed: {added.stderr.strip()}")
    server = Slapd(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


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
