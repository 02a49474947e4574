"""The datasource stores under load: ecconf PLAIN sessions/s through auth_ds against SQLite, PostgreSQL and
LDAP, cached and uncached, each as a ratio to the `file:` store measured in the same run.

Rule of this room: orchestration of bounded measurements, like bench_server.py, whose load client and process
plumbing it uses. Real servers: a SQLite file, a throwaway PostgreSQL cluster and a slapd (bench/db_servers.py,
the ones the datasource tests use), each on a Unix socket in a temp folder, stopped at the end. A server that
is not installed leaves its rows out and says so in the notes. Every store holds the bench user's password in
clear text, so the numbers are the datasource's cost, not a hash's.

    python -m bench server --only datasources    # ~2 minutes; rewrites only the datasource sub-section
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import db_servers, servers
from .server_results import Series, ServerResults

SQL_QUERY = "SELECT password FROM users WHERE name = :user"
LDAP_SEARCH = "ldap:///?userPassword?sub?(uid=$user)"
LDAP_BIND = "ldap:///????bindname=uid=$user%2Cou=people%2Cdc=example%2Cdc=com,x-bindpw=$pass"
FILE = "file:"


@dataclass
class Store:
    name: str  # the row's label: "file:", "SQLite (cached)", ...
    auth: str  # the AuthPlainParameters uri
    extra: str = ""  # Datasource and auth_ds scopes


def _scheme(datasource: str, uri: str, query: str, no_cache: bool, password_column: str | None = "password") -> str:
    """A Datasource and its Scheme (both named `datasource`); `password_column` None: the query decides."""
    cache = " no_cache = true" if no_cache else ""
    checked = f'returns_password = "true" password_column = "{password_column}" type = "clear"'
    binds = ' pass = "%{password}"' if "$pass" in query else ""
    return (
        f'Datasource "{datasource}" {{ uri = ( "{uri}" ){cache} }}\n'
        f'auth_ds {{ Scheme "{datasource}" {{ Authenticate {{ query = "{query}" cache = "{datasource}"\n'
        f'  map = [ user = "%{{username}}"{binds} ] {checked if password_column else ""} }} }} }}\n'
    )


def _sql_stores(label: str, key: str, uri: str) -> list[Store]:
    return [
        Store(f"{label} (cached)", f"{key}c://", _scheme(f"{key}c", uri, SQL_QUERY, no_cache=False)),
        Store(f"{label} (uncached)", f"{key}u://", _scheme(f"{key}u", uri, SQL_QUERY, no_cache=True)),
    ]


def _config(folder: Path, store: Store) -> Path:
    """bench/servers.py's quick-start shape with PLAIN only, on `store`; `file:` reads the bench's passwd."""
    folder.mkdir(parents=True, exist_ok=True)
    servers.write_users(folder)
    uri = "file:passwd" if store.auth == FILE else store.auth
    config = folder / "bench.conf"
    config.write_text(
        f"""
Hostname = "mx.bench.test"
Spool_Base = "{folder / "spool"}"
ec_logger "accounting" {{ acctlog = "{folder / "acct.log"}" }}
{store.extra}
ESMTP_Listener {{
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "PIPELINING" "8BITMIME" "AUTH PLAIN" )
  AuthPlainParameters = [ uri = "{uri}" log_authentication = true ]
  Max_Connections_Per_Address = 0
  Listen "127.0.0.1:0" {{ }}
}}
""",
        encoding="utf-8",
    )
    return config


def _sqlite(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "auth.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT PRIMARY KEY, password TEXT NOT NULL, scheme TEXT NOT NULL)")
        conn.execute("INSERT INTO users VALUES (?, ?, 'C')", (servers.USER, servers.PASSWORD))
    return path


def stores(work: Path, notes: list[str], cleanups: list[Callable[[], None]]) -> list[Store]:
    """Every store this machine can run, the database servers started (their removal in `cleanups`)."""
    out = [Store(FILE, FILE)]
    out += _sql_stores("SQLite", "sqlite", f"sqlite:{_sqlite(work / 'sqlite')}")
    try:
        pg = db_servers.start_pg([(servers.USER, servers.PASSWORD, "C")])
    except db_servers.Unavailable as missing:
        notes.append(f"PostgreSQL not measured: {missing}")
    else:
        cleanups.append(pg.remove)
        out += _sql_stores("PostgreSQL", "pgsql", pg.uri())
    try:
        ldap = db_servers.start_slapd([db_servers.person_ldif(servers.USER, servers.PASSWORD)])
    except db_servers.Unavailable as missing:
        notes.append(f"LDAP not measured: {missing}")
    else:
        cleanups.append(ldap.remove)
        out += [
            Store("LDAP search (cached)", "ldapc://", _scheme("ldapc", ldap.uri(), LDAP_SEARCH, False, "userPassword")),
            Store(
                "LDAP search (uncached)", "ldapu://", _scheme("ldapu", ldap.uri(), LDAP_SEARCH, True, "userPassword")
            ),
            Store(
                "LDAP bind (uncached)",
                "ldapb://",
                _scheme("ldapb", ldap.uri(), LDAP_BIND, True, None),
            ),
        ]
    return out


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def measure(
    work: Path,
    args: argparse.Namespace,
    results: ServerResults,
    load: Callable[[int, str, argparse.Namespace], dict[str, object]],
    cpu: str,
    log: Callable[[str], None],
) -> None:
    """Interleaved rounds over every store; each server started once, warmed up, then measured."""
    cleanups: list[Callable[[], None]] = []
    running: list[tuple[Series, servers.Running]] = []
    try:
        for n, store in enumerate(stores(work / "datasources", results.notes, cleanups)):
            config = _config(work / "datasources" / f"server-{n}", store)
            running.append((Series(store.name, "PLAIN"), servers.start(store.name, servers.ecconf_argv(config), cpu)))
        warm = argparse.Namespace(**{**vars(args), "sessions": 200, "time_limit": 2})
        for _s, r in running:  # imports, pools, the first cache entry
            load(r.port, "PLAIN", warm)
        results.notes.append(f"datasource runs: load average {_load()} at the start")
        for round_ in range(args.rounds):
            for series, r in running:
                before = r.cpu_seconds()
                run = load(r.port, "PLAIN", args)
                sessions = int(run["sessions"])  # type: ignore[call-overload]
                run["cpu_us"] = (r.cpu_seconds() - before) * 1e6 / sessions if sessions else 0.0
                series.runs.append(run)
            log(f"datasource round {round_ + 1}/{args.rounds} done")
        results.notes.append(f"datasource runs: load average {_load()} at the end")
    finally:
        for _s, r in running:
            r.stop()
        for cleanup in reversed(cleanups):
            cleanup()
    results.datasources = [s for s, _r in running]
