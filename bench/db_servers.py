"""Real database servers for the datasource tests and benchmarks: a throwaway PostgreSQL cluster and an OpenLDAP
slapd, each in a temporary folder of its own and on a Unix socket there (no port to race for).

Rule of this room: process plumbing only, shared by tests/runtime/datasources (which wraps these in fixtures
and skips where `Unavailable` says a binary is missing) and bench/bench_datasources.py. No pytest here.
PostgreSQL refuses to run as root, so under root it runs as `nobody`. Every failure to start other than a
missing binary is a RuntimeError.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


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
STARTUP = 30.0  # seconds a server gets to come up before we give up (bounded, never a sync sleep)
AUTH_ROLE, AUTH_ROLE_PASSWORD = "ecauth", "role-pw-5f1e"
LDAP_SUFFIX = "dc=example,dc=com"
LDAP_ADMIN, LDAP_ADMIN_PASSWORD = f"cn=admin,{LDAP_SUFFIX}", "admin-pw-77"


class Unavailable(Exception):
    """A server's binaries or Python driver are not installed; the message says what to install."""


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

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # not running
        shutil.rmtree(self.root, ignore_errors=True)


def start_pg(rows: Iterable[tuple[str, str, str]]) -> PgCluster:
    """A running cluster with database `mail`, table `users (name, password, scheme)` holding `rows`, readable
    by AUTH_ROLE (scram-sha-256 over the socket). The caller removes it (`remove()`)."""
    try:
        import psycopg
    except ImportError:
        raise Unavailable("pip install 'ecconf[pgsql]' for the PostgreSQL driver") from None
    if not (PG_BIN / "initdb").exists():
        raise Unavailable(f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql)")
    uid, gid = _runner()
    # In /tmp itself, whatever TMPDIR says: the server user must be able to reach it, and a socket path is short.
    root = Path(tempfile.mkdtemp(prefix="ecconf-pg-", dir="/tmp"))
    (root / "run").mkdir()
    if uid is not None:
        for path in (root, root / "run"):
            os.chown(path, uid, gid or 0)
    cluster = PgCluster(root, uid, gid)
    try:
        initdb = (str(PG_BIN / "initdb"), "-D", str(cluster.data), "-U", "ecconf", "-E", "UTF8", "--no-sync")
        cluster._run(*initdb, "--auth-local=trust")
        (cluster.data / "pg_hba.conf").write_text(
            f"local all {AUTH_ROLE} scram-sha-256\nlocal all all trust\n", encoding="utf-8"
        )
        cluster.start()
        host = str(cluster.socket_dir)
        with psycopg.connect(host=host, dbname="postgres", user="ecconf", autocommit=True) as conn:
            conn.execute("CREATE DATABASE mail")
        with psycopg.connect(host=host, dbname="mail", user="ecconf", autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {AUTH_ROLE} LOGIN PASSWORD '{AUTH_ROLE_PASSWORD}'")
            conn.execute("CREATE TABLE users (name text PRIMARY KEY, password text NOT NULL, scheme text NOT NULL)")
            conn.execute(f"GRANT SELECT ON users TO {AUTH_ROLE}")
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO users VALUES (%s, %s, %s)", list(rows))
    except BaseException:
        cluster.remove()
        raise
    return cluster


@dataclass
class Slapd:
    root: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.root / "ldapi"

    def uri(self, admin_password: str = LDAP_ADMIN_PASSWORD) -> str:
        admin = quote(LDAP_ADMIN, safe="=")
        return (
            f"ldapi://{quote(str(self.socket), safe='')}/ou=people,{LDAP_SUFFIX}"
            f"????bindname={admin},x-bindpw={admin_password}"
        )

    def start(self) -> None:
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

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def person_ldif(user: str, user_password: str, employee_type: str = "", description: str = "") -> str:
    """One inetOrgPerson under ou=people; userPassword in a form slapd checks binds against."""
    extra = (f"employeeType: {employee_type}\n" if employee_type else "") + (
        f"description: {description}\n" if description else ""
    )
    return (
        f"dn: uid={user},ou=people,{LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: {user}\ncn: {user}\n"
        f"sn: {user}\nmail: {user}@example.com\n{extra}userPassword: {user_password}\n"
    )


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


def start_slapd(people: Iterable[str]) -> Slapd:
    """A running slapd for LDAP_SUFFIX with ou=people holding `people` (person_ldif entries). The caller
    removes it (`remove()`)."""
    try:
        import ldap3  # noqa: F401
    except ImportError:
        raise Unavailable("pip install 'ecconf[ldap]' for the LDAP driver") from None
    if not SLAPD.exists() or not SLAPADD.exists():
        raise Unavailable("OpenLDAP slapd not found (apt-get install slapd ldap-utils)")
    root = Path(tempfile.mkdtemp(prefix="ecconf-ldap-", dir="/tmp"))  # a short ldapi socket path
    (root / "db").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(_slapd_conf(root), encoding="utf-8")
    base = [
        f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
        f"dn: ou=people,{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    (root / "data.ldif").write_text("\n".join([*base, *people]), encoding="utf-8")
    added = subprocess.run(
        [str(SLAPADD), "-f", str(conf), "-l", str(root / "data.ldif")], capture_output=True, text=True
    )
    if added.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"slapadd failed: {added.stderr.strip()}")
    server = Slapd(root)
    try:
        server.start()
    except BaseException:
        server.remove()
        raise
    return server
