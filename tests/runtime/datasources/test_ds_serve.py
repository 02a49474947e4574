"""auth_ds end to end: `ecconf serve` with a `name://` store backed by a Datasource, real SMTP clients.

SQLite from the sample (its users.sql, its sqlite.conf), PostgreSQL on the session's throwaway cluster: the
database stopped mid-session gives 454 4.7.0 and the session goes on; restarted, the same session gets 235.
"""

from __future__ import annotations

import base64
import re
import shutil
import smtplib
import sqlite3
import subprocess
from pathlib import Path

import pytest
from ds_servers import PASSWORD_QUERY, TYPE_MAP, PgCluster, Slapd, stored_values
from serving import dialogue, hang_up, serving

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "datasources"
SAMPLE_USERS = {"alice": "wonderland", "bob": "builder", "carol": "cheshire", "dave": "dormouse", "erin": "hatter"}


def _sample_server(folder: Path) -> Path:
    """The sample's config and database in `folder`, listening on an ephemeral port, spooling there."""
    shutil.copy(SAMPLE / "users.sql", folder)
    with sqlite3.connect(folder / "auth.db") as conn:
        conn.executescript((folder / "users.sql").read_text(encoding="utf-8"))
    text = (SAMPLE / "sqlite.conf").read_text(encoding="utf-8")
    text = text.replace('Listen "127.0.0.1:2525"', 'Listen "127.0.0.1:0"')
    config = folder / "sqlite.conf"
    config.write_text(text + f'Spool_Base = "{folder / "spool"}"\n', encoding="utf-8")
    return config


def _auth(port: int, mechanism: str, user: str, password: str) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        client.ehlo("client.test")
        client.user, client.password = user, password
        method = client.auth_plain if mechanism == "PLAIN" else client.auth_login
        try:
            code, _ = client.auth(mechanism, method, initial_response_ok=mechanism == "PLAIN")
        except smtplib.SMTPAuthenticationError as error:
            code = error.smtp_code
        return code


def test_the_sqlite_sample_serves_plain_and_login(tmp_path: Path) -> None:
    with serving(_sample_server(tmp_path)) as served:
        assert "0 errors, 0 warnings" in "".join(served.seen) or not any("[A4" in line for line in served.seen)
        for user, password in SAMPLE_USERS.items():
            for mechanism in ("PLAIN", "LOGIN"):
                assert _auth(served.port, mechanism, user, password) == 235, (user, mechanism)
        assert _auth(served.port, "PLAIN", "alice", "not-wonderland") == 535
        assert _auth(served.port, "LOGIN", "nobody", "wonderland") == 535
        assert _auth(served.port, "PLAIN", "' OR 1=1 --", "x") == 535
        assert served.stop() == 0


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_authenticates_against_the_sqlite_sample(tmp_path: Path) -> None:
    with serving(_sample_server(tmp_path)) as served:
        for mechanism, password, code in (("PLAIN", "cheshire", "235"), ("LOGIN", "wrong", "535")):
            done = subprocess.run(
                [
                    *("swaks", "--server", f"127.0.0.1:{served.port}", "--auth", mechanism, "--auth-user", "carol"),
                    *("--auth-password", password, "--quit-after", "AUTH", "--timeout", "20"),
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert re.search(rf"^<[-~*]+ +{code} ", done.stdout, re.M), done.stdout


def _pg_config(folder: Path, cluster: PgCluster) -> Path:
    type_map = " ".join(f'{k} = "{v}"' for k, v in TYPE_MAP.items())
    config = folder / "pg.conf"
    config.write_text(
        f'Hostname = "mx.test"\nSpool_Base = "{folder / "spool"}"\n'
        f'Datasource "authdb" {{ uri = ( "{cluster.uri()}" ) }}\n'
        'auth_ds { Scheme "mailauth" { Authenticate {\n'
        f'  query = "{PASSWORD_QUERY}"\n  cache = "authdb"\n  map = [ user = "%{{username}}" ]\n'
        f'  returns_password = "true"\n  password_column = "password"\n  type_column = "scheme"\n'
        f"  type_map = [ {type_map} ]\n}} }} }}\n"
        'ESMTP_Listener {\n  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN LOGIN" )\n'
        '  AuthPlainParameters = [ uri = "mailauth://" ]\n  AuthLoginParameters = [ uri = "mailauth://" ]\n'
        '  Listen "127.0.0.1:0" { }\n}\n',
        encoding="utf-8",
    )
    config.chmod(0o600)  # it holds the database's password (A420)
    return config


def _plain(user: str, password: str) -> bytes:
    return b"AUTH PLAIN " + base64.b64encode(f"\0{user}\0{password}".encode()) + b"\r\n"


def test_postgresql_down_is_454_and_the_session_goes_on(pg: PgCluster, tmp_path: Path) -> None:
    users = {user: password for user, password, _, _ in stored_values()}
    with serving(_pg_config(tmp_path, pg)) as served:
        for user, password in users.items():
            for mechanism in ("PLAIN", "LOGIN"):
                assert _auth(served.port, mechanism, user, password) == 235, (user, mechanism)
        assert _auth(served.port, "PLAIN", "alice", "wrong") == 535
        sock, reader = dialogue(served.port)
        try:
            pg.stop()
            try:
                sock.sendall(_plain("nobody-cached", "pw"))  # never asked before: nothing cached to fall back on
                assert reader.readline() == b"454 4.7.0 Temporary authentication failure\r\n"
                sock.sendall(_plain("alice", users["alice"]))  # asked before: its cached answer still serves
                assert reader.readline().startswith(b"235 ")
            finally:
                pg.start()
        finally:
            hang_up(sock, reader)
        sock, reader = dialogue(served.port)
        try:
            pg.stop()
            try:
                sock.sendall(_plain("bob", "not-bobs"))
                assert reader.readline().startswith(b"454 4.7.0 ")
            finally:
                pg.start()
            sock.sendall(b"NOOP\r\n")  # the session is still there, and not penalised into a 421
            assert reader.readline().startswith(b"250 ")
            sock.sendall(_plain("bob", "not-bobs"))  # the database is back: it answers again (no cache for this)
            assert reader.readline().startswith(b"535 5.7.8 ")
            sock.sendall(_plain("bob", users["bob"]))
            assert reader.readline().startswith(b"235 ")
        finally:
            hang_up(sock, reader)
        assert served.stop() == 0


def _ldap_config(folder: Path, directory: Slapd) -> Path:
    config = folder / "ldap.conf"
    config.write_text(
        f'Hostname = "mx.test"\nSpool_Base = "{folder / "spool"}"\n'
        f'Datasource "dir" {{ uri = ( "{directory.uri()}" ) }}\n'
        "auth_ds {\n"
        '  Scheme "ldapauth" { Authenticate { query = "ldap:///?userPassword?sub?(|(uid=$user)(mail=$user))"\n'
        '    cache = "dir" map = [ user = "%{username}" ] returns_password = "true"\n'
        '    password_column = "userPassword" type = "rfc2307" } }\n'
        '  Scheme "ldapbind" { Authenticate {\n'
        '    query = "ldap:///????bindname=uid=$user%2Cou=people%2Cdc=example%2Cdc=com,x-bindpw=$pass"\n'
        '    cache = "dir" map = [ user = "%{username}" pass = "%{password}" ] } }\n'
        "}\n"
        'ESMTP_Listener {\n  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN LOGIN" )\n'
        '  AuthPlainParameters = [ uri = "ldapauth://" ]\n  AuthLoginParameters = [ uri = "ldapbind://" ]\n'
        '  Listen "127.0.0.1:0" { }\n}\n',
        encoding="utf-8",
    )
    config.chmod(0o600)  # it holds the directory's bind password (A420)
    return config


def test_ldap_search_and_bind_schemes_serve_plain_and_login(slapd: Slapd, tmp_path: Path) -> None:
    with serving(_ldap_config(tmp_path, slapd)) as served:
        assert not any("[A4" in line for line in served.seen), "".join(served.seen)
        for user, password, _, _ in stored_values():
            assert _auth(served.port, "PLAIN", user, password) == 235, user  # a search for userPassword
            assert _auth(served.port, "LOGIN", user, password) == 235, user  # a bind as the user
        assert _auth(served.port, "PLAIN", "alice", "bob-pw") == 535
        assert _auth(served.port, "LOGIN", "alice", "bob-pw") == 535
        assert _auth(served.port, "PLAIN", "*)(uid=*", "alice-pw") == 535  # the filter value is escaped
        assert served.stop() == 0


def test_a_454_is_auth_status_error_in_the_acctlog_and_the_header(pg: PgCluster, tmp_path: Path) -> None:
    """The database down: the accounting line says `0@error` (not a wrong password), and a message the client
    may relay anyway (relay_hosts) carries `auth=temperror` in its Authentication-Results header."""
    config = _pg_config(tmp_path, pg)
    acct = tmp_path / "acct.log"
    text = config.read_text(encoding="utf-8").replace(
        'uri = "mailauth://" ]', 'uri = "mailauth://" log_authentication = true ]'
    )
    config.write_text(
        text + f'Relay_Hosts = ( "127.0.0.1/32" )\nec_logger "acct" {{ acctlog = "{acct}" }}\n', encoding="utf-8"
    )
    with serving(config) as served:
        with smtplib.SMTP("127.0.0.1", served.port, timeout=20) as client:
            client.ehlo("client.test")
            pg.stop()
            try:
                code, text_ = client.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0nobody\0pw").decode())
                assert (code, text_) == (454, b"4.7.0 Temporary authentication failure")
            finally:
                pg.start()
            assert acct.read_text(encoding="utf-8").endswith("@nobody@0@error\n")
            client.sendmail("a@client.test", ["b@example.com"], b"Subject: hi\r\n\r\nbody\r\n")
            code, _ = client.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0wrong").decode())
            assert code == 535
        assert acct.read_text(encoding="utf-8").splitlines()[-1].endswith("@alice@0")  # a wrong password: no error
        assert served.stop() == 0
    (stored,) = [p for p in (tmp_path / "spool").rglob("*") if p.is_file() and p.parent.name == "new"]
    assert "Authentication-Results: mx.test; auth=temperror (PLAIN) smtp.auth=nobody\n" in stored.read_text()
