"""Lint of auth_ds configs: a defined Scheme serves PLAIN and LOGIN (no A408), the others get A404; a uri
naming no Scheme (A416), a cache naming no Datasource (A417), a driver ecconf cannot serve (A418)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler import runtime_facts
from ecconf.compiler.rules import auth_ds_datasource as datasource_rule
from ecconf.compiler.rules import (
    auth_ds_stanza,
    auth_ds_unknown_scheme,
    auth_ds_unused_map,
    auth_unsupported,
    auth_uri_cannot_serve,
)

SCHEME = """\
Datasource "authdb" {{ uri = ( "{uri}" ) }}
auth_ds {{
  Scheme "mailauth" {{
    Authenticate {{ query = "SELECT 1 FROM users WHERE name = :u AND pw = :p" cache = "{cache}"
                   map = [ u = "%{{username}}" p = "%{{password}}" ] }}
  }}
}}
ESMTP_Listener {{
  {parameters} = [ uri = "{store}" ]
  Listen ":587" {{ SMTP_Extensions = ( "STARTTLS" "AUTH {mechanism}" ) }}
}}
"""


def config(
    store: str = "mailauth://",
    mechanism: str = "PLAIN",
    cache: str = "authdb",
    uri: str = "sqlite:/var/db/auth.db",
) -> str:
    parameters = {"PLAIN": "AuthPlainParameters", "LOGIN": "AuthLoginParameters", "CRAM-MD5": "AuthCramMD5Parameters"}
    parameters |= {"DIGEST-MD5": "AuthDigestMD5Parameters", "SCRAM-SHA-256": "AuthScramSHA256Parameters"}
    return SCHEME.format(uri=uri, cache=cache, parameters=parameters[mechanism], store=store, mechanism=mechanism)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_defined_scheme_serves_plain_and_login(mechanism: str, tmp_path: Path) -> None:
    text = config(mechanism=mechanism)
    for rule in (auth_unsupported, auth_uri_cannot_serve, auth_ds_unknown_scheme, auth_ds_stanza, datasource_rule):
        assert lint(rule, text, tmp_path / "a.conf") == [], rule.CODE


@pytest.mark.parametrize("mechanism", ["CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-256"])
def test_a_scheme_cannot_serve_challenge_response_mechanisms(mechanism: str, tmp_path: Path) -> None:
    [found] = lint(auth_uri_cannot_serve, config(mechanism=mechanism), tmp_path / "a.conf")
    assert "auth_ds Scheme 'mailauth'" in found.message and "serves PLAIN and LOGIN" in found.message
    assert found.span.line == 9


def test_without_auth_ds_a_name_uri_is_still_an_external_back_end(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthPlainParameters = [ uri = "mailauth://" ]\n  Listen ":587" { }\n}\n'
    [found] = lint(auth_unsupported, text, tmp_path / "a.conf")
    assert "auth_ds Scheme" in found.hint
    assert lint(auth_ds_unknown_scheme, text, tmp_path / "a.conf") == []


def test_a_uri_naming_no_scheme_says_which_one_was_meant(tmp_path: Path) -> None:
    text = config(store="mailauht://")
    [found] = lint(auth_ds_unknown_scheme, text, tmp_path / "a.conf")
    assert (
        found.message.startswith("mailauht:// names no auth_ds Scheme") and found.hint == 'did you mean "mailauth://"?'
    )
    assert lint(auth_unsupported, text, tmp_path / "a.conf") == []  # one finding, not two


def test_a_cache_naming_no_datasource(tmp_path: Path) -> None:
    [found] = lint(auth_ds_stanza, config(cache="auth_db"), tmp_path / "a.conf")
    assert "cache = 'auth_db' names no Datasource" in found.message and "authdb" in found.hint
    assert places([found]) == [(4, 78)]


@pytest.mark.parametrize(("uri", "words"), [("mysql:host=db", "MySQL is not supported"), ("cdb:/x", "CDB")])
def test_a_driver_ecconf_does_not_serve(uri: str, words: str, tmp_path: Path) -> None:
    [found] = lint(datasource_rule, config(uri=uri), tmp_path / "a.conf")
    assert words in found.message and places([found]) == [(1, 23)]


def test_a_driver_whose_extra_is_missing_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = runtime_facts.importlib.util.find_spec
    monkeypatch.setattr(
        runtime_facts.importlib.util, "find_spec", lambda name: None if name == "psycopg" else real(name)
    )
    text = config(uri="pgsql:host=/run/pg;dbname=mail;user=ecauth;password=s3cr3t-db")
    [found] = lint(datasource_rule, text, tmp_path / "a.conf")
    assert "pip install 'ecconf[pgsql]'" in found.message and "s3cr3t" not in found.message


def test_a_placeholder_with_no_map_entry(tmp_path: Path) -> None:
    text = config().replace('p = "%{password}" ', "")
    [found] = lint(auth_ds_stanza, text, tmp_path / "a.conf")
    assert "placeholder(s) with no map entry: p" in found.message and found.span.line == 4


def test_an_unknown_type_map_value(tmp_path: Path) -> None:
    text = config().replace('cache = "authdb"', 'cache = "authdb" returns_password = "true" type_map = [ X = "rot13" ]')
    [found] = lint(auth_ds_stanza, text, tmp_path / "a.conf")
    assert "rot13" in found.message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('"%{password}"', '"%{pasword}"', "%{pasword}; known expansions: %{username}, %{password}"),
        ('cache = "authdb"', 'cache = "authdb" password_column = "pw"', "need returns_password set to true"),
    ],
)
def test_stanza_values_the_runtime_refuses(old: str, new: str, words: str, tmp_path: Path) -> None:
    [found] = lint(auth_ds_stanza, config().replace(old, new), tmp_path / "a.conf")
    assert words in found.message


def test_a_map_entry_the_query_never_reads(tmp_path: Path) -> None:
    text = config().replace("AND pw = :p", "")
    [found] = lint(auth_ds_unused_map, text, tmp_path / "a.conf")
    assert "map entry p not read by the query" in found.message and found.span.line == 5
    assert lint(auth_ds_unused_map, config(), tmp_path / "a.conf") == []


def test_a_map_on_a_driver_ecconf_cannot_read_is_not_judged(tmp_path: Path) -> None:
    text = config(uri="odbc:DSN=mail").replace("AND pw = :p", "")
    assert lint(auth_ds_unused_map, text, tmp_path / "a.conf") == []
