"""S501 starttls-without-certificate: STARTTLS needs an effective certificate and key."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import starttls_without_certificate as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S501"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("S501 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 45)]
    assert "TLS_Key" in found[0].message and "TLS_Certificate" not in found[0].message
    assert "Listen ':587'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_listener_level_files_serve_every_listen(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          TLS_Certificate = "mx.pem"
          TLS_Key = "mx.key"
          Listen ":25" { SMTP_Extensions = ( "STARTTLS" ) }
          Listen ":587" { SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) }
        }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_global_files_count_too(tmp_path: Path) -> None:
    text = 'TLS_Certificate = "mx.pem"\nTLS_Key = "mx.key"\n'
    text += 'ESMTP_Listener { Listen ":25" { SMTP_Extensions = STARTTLS } }\n'
    assert run(text, tmp_path / "main.conf") == []


def test_inherited_starttls_is_reported_for_the_listen_without_files(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          SMTP_Extensions = ( "STARTTLS" )
          Listen ":25" { TLS_Certificate = "a.pem" TLS_Key = "a.key" }
          Listen ":26" { }
          Listen ":27" { }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(3, 23)]
    assert "Listen ':26'" in found[0].message
    assert "TLS_Certificate or TLS_Key" in found[0].message


def test_peer_override(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listen ":25" {
            Peer "10.0.0.0/8" {
              SMTP_Extensions = ( "STARTTLS" )
              TLS_Certificate = "a.pem"
              TLS_Key = "a.key"
            }
          }
          Listen ":26" {
            TLS_Certificate = "a.pem"
            TLS_Key = "a.key"
            Peer "10.0.0.0/8" { SMTP_Extensions = ( "STARTTLS" ) TLS_Key = "" }
          }
        }
        """
    found = run(text, tmp_path / "main.conf")
    # ":25": the Peer brings its own files. ":26": the Peer's explicitly empty TLS_Key leaves its clients without.
    assert places(found) == [(13, 45)]
    assert "Listen ':26' for clients in 10.0.0.0/8" in found[0].message and "TLS_Key" in found[0].message


def test_peer_only_files_leave_other_clients_without(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          SMTP_Extensions = ( "STARTTLS" )
          Listen ":25" { Peer "10.0.0.0/8" { TLS_Certificate = "a.pem" TLS_Key = "a.key" } }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(3, 23)]
    assert "for clients in" not in found[0].message


def test_disabled_listen_and_no_starttls(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listen ":25" { Enable = false SMTP_Extensions = ( "STARTTLS" ) }
          Listen ":26" { SMTP_Extensions = ( "PIPELINING" ) }
        }
        """
    assert run(text, tmp_path / "main.conf") == []
