"""auth_ds queries: expansion maps, `:name` SQL placeholders outside literals, RFC 4515/4514 LDAP escaping."""

from __future__ import annotations

import pytest

from ecconf.runtime.datasources.outcome import DatasourceError
from ecconf.runtime.datasources.query import (
    AuthParams,
    ExpansionMap,
    LdapQuery,
    compile_sql,
    escape_dn_value,
    escape_filter_value,
    sql_placeholders,
)


def test_expansions_fill_a_map_and_unknown_ones_are_refused() -> None:
    mapping = ExpansionMap.build({"user": "%{username}@%{realm}", "pass": "%{password}", "u": "%{uri}"})
    params = AuthParams("alice", "pw", realm="example.com", uri="mailauth://")
    assert mapping.expand(params) == {"user": "alice@example.com", "pass": "pw", "u": "mailauth://"}
    with pytest.raises(DatasourceError, match=r"%\{user\}"):
        ExpansionMap.build({"user": "%{user}"})
    assert "pw" not in repr(params)


def test_sql_placeholders_skip_literals_comments_and_casts() -> None:
    query = "SELECT ':no', \"a:b\", x::text FROM t -- :nope\nWHERE a = :user /* :not */ AND b = :pass AND c LIKE '5%'"
    assert sql_placeholders(query) == ["user", "pass"]
    statement = compile_sql(query, "%s", "%%")
    assert statement.names == ("user", "pass")
    assert "= %s /* :not */ AND b = %s" in statement.text and "LIKE '5%%'" in statement.text
    assert statement.values({"user": "a", "pass": "b"}) == ("a", "b")
    assert compile_sql("SELECT $$ :x $$, :y", "?").names == ("y",)


def test_unterminated_quote_is_a_config_error() -> None:
    with pytest.raises(DatasourceError, match="unterminated"):
        compile_sql("SELECT 1 WHERE a = ':user", "?")


def test_filter_values_are_escaped_per_rfc_4515() -> None:
    assert escape_filter_value("*)(uid=*") == r"\2a\29\28uid=\2a"
    assert escape_filter_value("a\\b\x00") == r"a\5cb\00"


def test_dn_values_are_escaped_per_rfc_4514() -> None:
    assert escape_dn_value("a,ou=admins") == r"a\,ou\=admins"
    assert escape_dn_value(" x+y ") == r"\ x\+y\ " and escape_dn_value("#x#") == r"\#x#"
    assert escape_dn_value('q"<>;\\') == r"q\"\<\>\;\\"


def test_ldap_query_renders_each_place_with_its_own_escaping() -> None:
    query = LdapQuery.parse("ldap:///????bindname=uid=$user%2Cou=people%2Cdc=example%2Cdc=com,x-bindpw=$pass")
    assert query.bind_only and query.binds_as_user and query.placeholders() == ["user", "pass"]
    url = query.render({"user": "x,ou=admins", "pass": "p*)("})
    assert url.extension("bindname") == r"uid=x\,ou\=admins,ou=people,dc=example,dc=com"
    assert url.extension("x-bindpw") == "p*)("  # a password is sent as it is, never parsed
    search = LdapQuery.parse("ldap:///?userPassword?sub?(|(uid=$user)(mail=$user))")
    assert not search.bind_only and not search.binds_as_user
    assert search.render({"user": "*)(uid=*"}).filter == r"(|(uid=\2a\29\28uid=\2a)(mail=\2a\29\28uid=\2a))"


def test_placeholders_only_where_they_can_be_escaped() -> None:
    with pytest.raises(DatasourceError, match="attribute list"):
        LdapQuery.parse("ldap:///?$attr?sub?(uid=1)")
    with pytest.raises(DatasourceError, match="x-return-dn"):
        LdapQuery.parse("ldap:///?cn?sub?(uid=1)?x-return-dn=$user")
