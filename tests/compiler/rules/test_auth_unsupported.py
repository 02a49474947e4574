import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_unsupported as rule


def test_unsupported_mechanisms_in_items(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  Listen ":25" { SMTP_Extensions = ( "AUTH PLAIN GSSAPI" "auth ntlm" "XCLIENT" ) }\n}\n'
    found = lint(rule, text, tmp_path / "a.conf")
    assert places(found) == [(2, 38), (2, 58)]
    assert "AUTH GSSAPI" in found[0].message and "AUTH NTLM" in found[1].message


def test_unsupported_mechanism_in_a_peer_and_via_legacy_argument(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      Peer "10.0.0.0/8" { SMTP_Extensions = ( "AUTH OTP" ) }
      AuthPlainParameters = [ uri = "file:p" extension = AUTH extension_argument = "PLAIN KERBEROS_V4" ]
    }
    """
    found = lint(rule, text, tmp_path / "a.conf")
    assert [d.message.split()[1] for d in found] == ["OTP", "KERBEROS_V4"]


def test_external_back_end_names_only_the_scheme(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthLoginParameters = [ uri = "mysqlauth://mailer:S3cret@db/users" ]\n}\n'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert places([found]) == [(2, 27)]
    assert found.message.startswith("mysqlauth: names an external authentication back-end")
    assert "S3cret" not in found.message + found.hint


def test_module_back_ends_with_an_underscore_are_external_not_malformed(tmp_path: Path) -> None:
    text = 'ESMTP_Listener {\n  AuthLoginParameters = [ uri = "smtp_auth_proxy://" ]\n}\n'
    [found] = lint(rule, text, tmp_path / "a.conf")
    assert found.message.startswith("smtp_auth_proxy: names an external authentication back-end")


def test_supported_things_are_fine(tmp_path: Path) -> None:
    text = """
    ESMTP_Listener {
      SMTP_Extensions = ( "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5 SCRAM-SHA-256" "STARTTLS" )
      AuthPlainParameters = [ uri = "file:///p" ]
      AuthLoginParameters = [ uri = "digest:p" ]
      AuthCramMD5Parameters = [ uri = "/no/scheme" ]
    }
    """
    assert lint(rule, text, tmp_path / "a.conf") == []
