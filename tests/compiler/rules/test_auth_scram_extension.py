import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_scram_extension as rule


def test_item_and_parameters_are_both_noted(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      SMTP_Extensions = ( "AUTH PLAIN SCRAM-SHA-256" )
      AuthScramSHA256Parameters = [ uri = "file:p" ]
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 23), (3, 3)]
    assert "RFC 7677" in found[0].message and "AuthScramSHA256Parameters" in found[1].message


def test_momentum_mechanisms_are_not_noted(tmp_path: Path) -> None:
    text = 'ESMTP_Listener { SMTP_Extensions = ( "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5" ) }'
    assert lint(rule, text, tmp_path / "a.conf") == []
