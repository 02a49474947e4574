"""A421 and the auth_ds stanza table: typed stanzas with their positions; unknown stanzas and keys found."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.auth_ds import scheme_stanzas, stanza_kinds
from ecconf.compiler.build import build
from ecconf.compiler.includes import load_text
from ecconf.compiler.rules import auth_ds_unknown_key as rule

TEXT = """Datasource "db" { uri = ( "sqlite:/x.db" ) }
auth_ds {
  Scheme "web" {
    Authenticate { query = "SELECT pw FROM u WHERE n = :user" cache = "db" map = [ user = "%{username}" ]
                   returns_password = "true" password_column = "pw" type = "md5" }
    QueryGroups { query = "SELECT g FROM a WHERE n = :user" cache = "db" group_column = "g"
                  map = [ user = "%{username}" ] }
    enumgroups { query = "SELECT role FROM roles" cache = "db" group_column = "role" }
  }
}
"""


def test_every_stanza_is_typed_with_its_positions(tmp_path: Path) -> None:
    config = build(load_text(TEXT, str(tmp_path / "a.conf")).root).config
    stanzas = scheme_stanzas(config)
    assert [(s.scheme, s.kind.name if s.kind else None) for s in stanzas] == [
        ("web", "Authenticate"),
        ("web", "QueryGroups"),
        ("web", "EnumGroups"),  # any case, as Momentum's names are
    ]
    assert [s.kind.served for s in stanzas if s.kind] == [True, False, False]
    groups = stanzas[1]
    assert groups.options["group_column"] == "g"
    assert (groups.span.line, groups.span.column) == (6, 5)  # type: ignore[union-attr]
    assert (groups.span_of("group_column").line, groups.span_of("group_column").column) == (6, 74)  # type: ignore[union-attr]


def test_the_documented_stanzas_are_clean(tmp_path: Path) -> None:
    assert lint(rule, TEXT, tmp_path / "a.conf") == []


def test_a_misspelt_key_or_stanza_is_named_with_a_guess(tmp_path: Path) -> None:
    text = TEXT.replace('returns_password = "true"', 'returns_pasword = "true"').replace("QueryGroups", "QueryGroup")
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(5, 20), (6, 5)]
    assert "no key 'returns_pasword'" in found[0].message and found[0].hint == "did you mean returns_password?"
    assert "QueryGroup is no auth_ds stanza" in found[1].message and found[1].hint == "did you mean QueryGroups?"


def test_a_key_of_another_stanza_lists_the_stanza_s_keys(tmp_path: Path) -> None:
    found = lint(rule, TEXT.replace('group_column = "role"', 'type_map = [ C = "clear" ]'), tmp_path / "a.conf")
    [one] = found
    assert "EnumGroups has no key 'type_map'" in one.message and one.hint == (
        "EnumGroups keys: query, cache, map, group_column"
    )


def test_the_table_names_the_served_stanza_once() -> None:
    kinds = stanza_kinds()
    assert [k.name for k in kinds.values() if k.served] == ["Authenticate"]
    assert {"query", "cache", "map"} <= set(kinds["querygroups"].keys)
