import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.includes import load_text
from ecconf.compiler.rules import auth_require_tls_without_tls as rule

TLS = 'TLS_Certificate = "/c.pem" TLS_Key = "/k.pem"'


def listener(listen_body: str, address: str = ":587", top: str = "") -> str:
    return (
        f'ESMTP_Listener {{\n  AuthPlainParameters = [ uri = "file:p" ] {top}\n'
        f'  Listen "{address}" {{ {listen_body} }}\n}}\n'
    )


@pytest.mark.parametrize("address", [":587", "127.0.0.1:587", "/run/ecelerity/smtp.sock"])
def test_true_without_tls_is_reported_even_on_loopback(tmp_path: Path, address: str) -> None:
    found = lint(rule, listener('SMTP_Extensions = ( "AUTH PLAIN" ) Auth_Require_TLS = true', address), tmp_path / "a")
    assert places(found) == [(3, 10)]
    assert found[0].message == (
        f"PLAIN can never be used: Auth_Require_TLS = true, and Listen '{address}' offers no TLS"
    )


@pytest.mark.parametrize(
    "body",
    [
        'SMTP_Extensions = ( "AUTH PLAIN" )',  # unset without STARTTLS: clear text (A413's case)
        'SMTP_Extensions = ( "AUTH PLAIN" ) Auth_Require_TLS = false',
        f'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) {TLS} Auth_Require_TLS = true',
        'SMTP_Extensions = ( "AUTH PLAIN" ) use_ssl = true Auth_Require_TLS = true',
        'SMTP_Extensions = ( "AUTH CRAM-MD5" ) AuthCramMD5Parameters = [ uri = "file:p" ] Auth_Require_TLS = true',
    ],
)
def test_not_reported(tmp_path: Path, body: str) -> None:
    assert lint(rule, listener(body), tmp_path / "a.conf") == []


def test_only_a_peer_without_tls_is_named(tmp_path: Path) -> None:
    body = f'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) {TLS} Auth_Require_TLS = true'
    body += ' Peer "10.0.0.0/8" { SMTP_Extensions = ( "AUTH PLAIN" ) }'
    [found] = lint(rule, listener(body), tmp_path / "a.conf")
    assert "10.0.0.0/8" in found.message


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("", ["A413"]), ("Auth_Require_TLS = true", ["A415"]), ("Auth_Require_TLS = false", ["A413"])],
)
def test_a413_and_a415_never_both(setting: str, expected: list[str]) -> None:
    text = listener(f'SMTP_Extensions = ( "AUTH PLAIN" ) {setting}')
    _built, found = check(load_text(text, "/virtual/a.conf"), CheckOptions(select=("A413", "A415")))
    assert [d.code for d in found] == expected
