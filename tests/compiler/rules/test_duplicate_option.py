"""E203 duplicate-option: an option set twice in one (merged) scope."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import duplicate_option as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E203"
    assert rule.DEFAULT_SEVERITY is Severity.WARNING
    assert (rule.__doc__ or "").startswith("E203 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(5, 5)]
    assert [(r.span.line, r.span.column, r.message) for r in found[0].related] == [(3, 5, "first set here")]
    assert "Idle_Time" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_merged_listener_scopes_across_an_include(tmp_path: Path) -> None:
    (tmp_path / "more.conf").write_text("ESMTP_Listener {\n  Idle_Time = 60\n}\n")
    found = run('ESMTP_Listener { Idle_Time = 300 }\ninclude "more.conf"\n', tmp_path / "main.conf")
    assert [(d.span.path, d.span.line, d.span.column) for d in found] == [(str(tmp_path / "more.conf"), 2, 3)]
    assert found[0].related[0].span.path == str(tmp_path / "main.conf")


def test_include_inside_the_scope(tmp_path: Path) -> None:
    (tmp_path / "common.conf").write_text("enable = true\n")
    found = run('ESMTP_Listener {\n  Enable = false\n  include "common.conf"\n}\n', tmp_path / "main.conf")
    assert [d.span.path for d in found] == [str(tmp_path / "common.conf")]


def test_two_blocks_for_the_same_listen_merge(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listen ":25" { Enable = true }
          Listen ":587" { Enable = true }
          Listen ":25" { ENABLE = false }
        }
        """
    assert places(run(text, tmp_path / "main.conf")) == [(5, 18)]


def test_different_scopes_do_not_collide(tmp_path: Path) -> None:
    text = """
        Relay_Hosts = ( 127.0.0.0/8 )
        ESMTP_Listener {
          Relay_Hosts = ( 127.0.0.0/8 )
          Peer "10.0.0.0/8" { Relay_Hosts = ( 10.0.0.0/8 ) }
          Listen ":25" {
            Relay_Hosts = ( 127.0.0.0/8 )
            Peer "10.0.0.0/8" { Relay_Hosts = ( 10.0.0.0/8 ) }
          }
        }
        domain "example.com" { routes = a routes = b }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_every_repeat_points_at_the_first(tmp_path: Path) -> None:
    found = run("Hostname = a\nHostname = b\nhostname = c\n", tmp_path / "main.conf")
    assert places(found) == [(2, 1), (3, 1)]
    assert {d.related[0].span.line for d in found} == {1}


def test_a_value_of_the_wrong_type_still_counts(tmp_path: Path) -> None:
    found = run("ESMTP_Listener {\n  Idle_Time = 5\n  Idle_Time = soon\n}\n", tmp_path / "main.conf")
    assert places(found) == [(3, 3)]
