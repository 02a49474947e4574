import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_cleartext_without_tls as rule

TLS = 'TLS_Certificate = "/c.pem" TLS_Key = "/k.pem"'


def listener(listen_body: str, address: str = ":587", top: str = "") -> str:
    return (
        f'ESMTP_Listener {{\n  AuthPlainParameters = [ uri = "file:p" ] {top}\n'
        f'  Listen "{address}" {{ {listen_body} }}\n}}\n'
    )


def test_plain_without_tls_points_at_the_listen_address(tmp_path: Path) -> None:
    found = lint(rule, listener('SMTP_Extensions = ( "AUTH PLAIN" )'), tmp_path / "a.conf")
    assert places(found) == [(3, 10)]
    assert found[0].message == "PLAIN sends passwords in clear text, and Listen ':587' offers no TLS"


@pytest.mark.parametrize(
    "body",
    [
        f'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) {TLS}',
        'SMTP_Extensions = ( "AUTH PLAIN" ) use_ssl = true',
        'SMTP_Extensions = ( "AUTH CRAM-MD5" ) AuthCramMD5Parameters = [ uri = "file:p" ]',
        'SMTP_Extensions = ( "AUTH LOGIN" )',  # advertised but no AuthLoginParameters: not offered
    ],
)
def test_tls_or_no_cleartext_mechanism(tmp_path: Path, body: str) -> None:
    assert lint(rule, listener(body), tmp_path / "a.conf") == []


@pytest.mark.parametrize(
    "body",
    [
        'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )',  # STARTTLS without certificate and key
        f'SMTP_Extensions = ( "AUTH PLAIN" ) {TLS}',  # certificate and key, but STARTTLS not listed
        'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) TLS_Certificate = "/c.pem"',
    ],
)
def test_half_configured_tls_is_no_tls(tmp_path: Path, body: str) -> None:
    assert len(lint(rule, listener(body), tmp_path / "a.conf")) == 1


def test_tls_files_on_the_listener_serve_the_listen(tmp_path: Path) -> None:
    text = listener('SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )', top=TLS)
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_peer_without_tls_is_named(tmp_path: Path) -> None:
    body = f'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN LOGIN" ) {TLS} AuthLoginParameters = [ uri = "file:p" ]'
    body += ' Peer "10.0.0.0/8" { SMTP_Extensions = ( "AUTH LOGIN" ) }'
    [found] = lint(rule, listener(body), tmp_path / "a.conf")
    assert found.message.startswith("LOGIN sends") and "10.0.0.0/8" in found.message


@pytest.mark.parametrize("address", ["127.0.0.1:587", "[::1]:587", "/run/ecelerity/smtp.sock"])
def test_local_listens_are_not_reported(tmp_path: Path, address: str) -> None:
    text = listener('SMTP_Extensions = ( "AUTH PLAIN" )', address=address)
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_both_mechanisms_named_once_per_listen(tmp_path: Path) -> None:
    body = 'SMTP_Extensions = ( "AUTH PLAIN LOGIN" ) AuthLoginParameters = [ uri = "file:p" ]'
    body += ' Peer "10.0.0.0/8" { idle_time = 5 }'
    [found] = lint(rule, listener(body, address="[::]:587"), tmp_path / "a.conf")
    assert found.message.startswith("LOGIN and PLAIN send passwords")


def test_false_with_starttls_offers_them_before_the_handshake(tmp_path: Path) -> None:
    body = f'SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) {TLS} Auth_Require_TLS = false'
    [found] = lint(rule, listener(body), tmp_path / "a.conf")
    assert found.message == (
        "PLAIN sends passwords in clear text, and Listen ':587' offers them before STARTTLS (Auth_Require_TLS = false)"
    )


def test_true_without_tls_refuses_them_so_this_rule_is_silent(tmp_path: Path) -> None:
    # Nothing goes in clear: the server answers 538 (A415 says they can never be used).
    body = 'SMTP_Extensions = ( "AUTH PLAIN" ) Auth_Require_TLS = true'
    assert lint(rule, listener(body), tmp_path / "a.conf") == []
