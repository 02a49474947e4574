"""ds_core URIs: sqlite:, pgsql: and LDAP URLs parse into targets, and malformed ones say why without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecconf.runtime.datasources.outcome import DatasourceError
from ecconf.runtime.datasources.uri import LdapUrl, PgsqlTarget, SqliteTarget, parse_datasource_uri, parse_ldap_url


def test_sqlite_absolute_relative_and_triple_slash() -> None:
    assert parse_datasource_uri("sqlite:/var/db/auth.db") == SqliteTarget(Path("/var/db/auth.db"))
    assert parse_datasource_uri("sqlite:///var/db/a%20b.db") == SqliteTarget(Path("/var/db/a b.db"))
    assert parse_datasource_uri("sqlite:auth.db", Path("/etc/ecconf")) == SqliteTarget(Path("/etc/ecconf/auth.db"))


def test_pgsql_keys_and_percent_decoding_keep_the_password_apart() -> None:
    target = parse_datasource_uri("pgsql:host=/run/pg;port=5433;dbname=mail;user=ecauth;password=s%3Bcr%25t")
    assert isinstance(target, PgsqlTarget)
    assert target.params == (("host", "/run/pg"), ("port", "5433"), ("dbname", "mail"), ("user", "ecauth"))
    assert target.password == "s;cr%t"
    assert "s;cr%t" not in repr(target) and "password" not in target.describe()


@pytest.mark.parametrize(
    "uri",
    [
        "pgsql:host=/run/pg;hunter2",  # a password written without its key
        "pgsql:host=/run/pg;passwd=hunter2",
        "pgsql:password=hunter2",
        "pgsql:host=/run/pg;port=x;password=hunter2",
        "pgsql:host=/run/pg;user=a;user=b;password=hunter2",
    ],
)
def test_malformed_pgsql_never_quotes_the_password(uri: str) -> None:
    with pytest.raises(DatasourceError) as caught:
        parse_datasource_uri(uri)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("mysql:host=localhost;password=hunter2", "not supported"),
        ("odbc:DSN=x;PWD=hunter2", "not supported"),
        ("nosuch:x", "unknown datasource driver"),
        ("no colon at all", "driver name"),
        ("sqlite:", "path"),
        ("ldap://host:99999/", "port"),
        ("ldap://host/dc=x?a?wide?(uid=1)", "scope"),
        ("ldap://host/dc=x?a?sub?f?e?more", "too many"),
    ],
)
def test_bad_uris_say_what_is_wrong(uri: str, says: str) -> None:
    with pytest.raises(DatasourceError, match=says) as caught:
        parse_datasource_uri(uri)
    assert "hunter2" not in str(caught.value)


def test_ldap_url_parts_are_decoded_after_splitting() -> None:
    url = parse_ldap_url(
        "ldap://ldap.example.com:3389/ou=people%2Cdc=example?mail,cn?sub?(uid=$user)"
        "?bindname=cn=reader%2Cdc=example,!x-bindpw=p%2Cw"
    )
    assert (url.scheme, url.host, url.port, url.dn) == ("ldap", "ldap.example.com", 3389, "ou=people,dc=example")
    assert url.attributes == ("mail", "cn") and url.scope == "sub" and url.filter == "(uid=$user)"
    assert url.extension("bindname") == "cn=reader,dc=example"
    assert url.extension("x-bindpw") == "p,w"
    assert "p,w" not in repr(url) and "p,w" not in url.describe()


def test_a_query_inherits_what_it_leaves_empty_from_the_datasource() -> None:
    base = parse_ldap_url("ldapi://%2Frun%2Fldapi/dc=example????bindname=cn=r,x-bindpw=pw")
    query = parse_ldap_url("ldap:///?userPassword?sub?(uid=$user)")
    merged = query.under(base)
    assert merged == LdapUrl(
        scheme="ldapi",
        host="/run/ldapi",
        dn="dc=example",
        attributes=("userPassword",),
        scope="sub",
        filter="(uid=$user)",
        extensions=(("bindname", "cn=r"), ("x-bindpw", "pw")),
    )
