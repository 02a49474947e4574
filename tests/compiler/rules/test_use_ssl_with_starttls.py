"""S502 use-ssl-with-starttls: implicit TLS and STARTTLS on one listener."""

from __future__ import annotations

from pathlib import Path

from rule_harness import bind, places

from ecconf.compiler.diagnostics import Severity
from ecconf.compiler.rules import use_ssl_with_starttls as rule

run, example = bind(rule)


def test_identity() -> None:
    assert rule.CODE == "S502"
    assert rule.DEFAULT_SEVERITY is Severity.ERROR
    assert (rule.__doc__ or "").startswith("S502 ")


def test_doc_examples(tmp_path: Path) -> None:
    found = run(example("Bad"), tmp_path / "bad.conf")
    assert places(found) == [(2, 23)]
    assert [(r.span.line, r.span.column) for r in found[0].related] == [(6, 5)]
    assert "Listen ':465'" in found[0].message
    assert run(example("Good"), tmp_path / "good.conf") == []


def test_use_ssl_on_the_listener_and_starttls_on_a_listen(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Use_SSL = yes
          Listen ":465" { SMTP_Extensions = ( "AUTH PLAIN" "starttls" ) }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(4, 52)]
    assert found[0].related[0].span.line == 3


def test_a_peer_that_turns_implicit_tls_on(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listen ":25" {
            SMTP_Extensions = ( "STARTTLS" )
            Peer "10.0.0.0/8" { Use_SSL = true }
          }
        }
        """
    found = run(text, tmp_path / "main.conf")
    assert places(found) == [(4, 25)]
    assert "for clients in 10.0.0.0/8" in found[0].message


def test_a_peer_that_turns_it_off_again(tmp_path: Path) -> None:
    text = """
        ESMTP_Listener {
          Listen ":465" { Use_SSL = true SMTP_Extensions = ( "AUTH PLAIN" ) }
          Listen ":587" { Use_SSL = false SMTP_Extensions = ( "STARTTLS" ) }
          Listen ":25" { SMTP_Extensions = ( "STARTTLS" ) }
        }
        """
    assert run(text, tmp_path / "main.conf") == []


def test_disabled_listen(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { Listen ":465" { Enable = no Use_SSL = 1 SMTP_Extensions = STARTTLS } }'
    assert run(text, tmp_path / "main.conf") == []
