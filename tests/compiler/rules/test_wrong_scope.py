"""E202 wrong-scope: documented names used in a scope where they are not valid."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import wrong_scope as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "E202"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("E202 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(3, 5), (5, 7)]
    by_line = {d.span.line: d for d in found}
    assert "'Hostname'" in by_line[3].message and "the global scope" in by_line[3].message
    assert "top level" in by_line[3].hint
    assert "'Peer'" in by_line[5].message and "valid in Peer" in by_line[5].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_listen_at_global_level_and_inside_listen(tmp_path: Path) -> None:
    text = """
        Listen ":25" { }
        ESMTP_Listener {
          Listen ":587" { Listen ":588" { } }
        }
        """
    found = sorted(run(text, tmp_path / "main.conf"), key=lambda d: d.span.line)
    assert places(found) == [(2, 1), (4, 19)]
    assert all("valid in: ESMTP_Listener" in d.message for d in found)
    assert found[0].hint == "move it into ESMTP_Listener"


def test_listener_inside_listen(tmp_path: Path) -> None:
    found = run('ESMTP_Listener {\n  Listen ":25" {\n    ESMTP_Listener { }\n  }\n}\n', tmp_path / "main.conf")
    assert places(found) == [(3, 5)]
    assert "valid in: the global scope" in found[0].message


def test_listener_options_at_global_level_and_global_options_in_listeners(tmp_path: Path) -> None:
    text = """
        SMTP_Extensions = ( "AUTH PLAIN" )
        Open_Relay = false
        ESMTP_Listener {
          Hostname = "mx.example.com"
          Keep_Message_Dicts_In_Memory = true
        }
        """
    found = sorted(run(text, tmp_path / "main.conf"), key=lambda d: d.span.line)
    assert places(found) == [(2, 1), (3, 1), (5, 3), (6, 3)]
    assert "ESMTP_Listener, Listen, Peer" in found[0].message


def test_options_valid_in_each_checked_scope(tmp_path: Path) -> None:
    text = """
        Hostname = "mx.example.com"
        Relay_Hosts = ( 127.0.0.0/8 )
        TLS_Certificate = "/etc/mx.pem"
        ESMTP_Listener {
          Relay_Hosts = ( 127.0.0.0/8 )
          Peer "10.0.0.0/8" { Open_Relay = true }
          Listen ":25" {
            Peer "10.1.0.0/16" { Max_Message_Size = 10 }
            Use_SSL = false
          }
        }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_a_scope_documented_only_elsewhere(tmp_path: Path) -> None:
    found = run('ESMTP_Listener {\n  Domain "example.com" { }\n}\n', tmp_path / "main.conf")
    assert places(found) == [(2, 3)]
    assert "'Domain'" in found[0].message


def test_listen_in_an_included_file_inside_the_listener_is_fine(tmp_path: Path) -> None:
    (tmp_path / "listen.conf").write_text('Listen ":25" { Idle_Time = 5 }\n')
    assert run('ESMTP_Listener {\n  include "listen.conf"\n}\n', tmp_path / "main.conf") == []
