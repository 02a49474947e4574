"""PLAIN and LOGIN wait for TLS where Auth_Require_TLS is in force (RFC 4954 §4, §6), through the sans-IO protocol."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ecconf.runtime.authgate import clear_text_needs_tls
from ecconf.runtime.config import MechanismSpec, SessionPolicy

PLAIN_ALICE = base64.b64encode(b"\0alice\0s3cret").decode()
NEEDS_TLS = "538 5.7.11 Encryption required for requested authentication mechanism\r\n"


def starttls_policy(*mechanisms: str, **overrides: Any) -> SessionPolicy:
    offered = mechanisms or ("PLAIN", "LOGIN", "CRAM-MD5")
    values: dict[str, Any] = {
        "smtp_extensions": ("ENHANCEDSTATUSCODES", "STARTTLS", *(f"AUTH {m}" for m in offered)),
        "auth": {m: MechanismSpec(m, "memory:users", stored_cleartext=True) for m in offered},
        "tls_certificate": "/nonexistent/cert.pem",  # never loaded: the sans-IO protocol only asks if it is set
        "tls_key": "/nonexistent/key.pem",
    }
    values.update(overrides)
    return SessionPolicy(**values)


def auth_line(ehlo_reply: str) -> str:
    return next((line[4:].rstrip("\r") for line in ehlo_reply.split("\n") if line[4:].startswith("AUTH")), "")


@pytest.mark.parametrize(("setting", "starttls", "needed"), [(None, True, True), (None, False, False)])
def test_unset_means_required_wherever_starttls_is_offered(setting, starttls, needed):
    assert clear_text_needs_tls(setting, starttls) is needed
    assert clear_text_needs_tls(True, False) and not clear_text_needs_tls(False, True)


def test_before_starttls_plain_and_login_are_left_out_and_refused_with_538(session):
    s = session(starttls_policy())
    assert auth_line(s.send("EHLO client.example\r\n")) == "AUTH CRAM-MD5"
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == NEEDS_TLS
    assert s.send("AUTH LOGIN\r\n") == NEEDS_TLS
    assert s.conn.context.auth_status.name == "NONE"
    # Not a failed exchange and not a bad command: the budgets are untouched.
    assert s.conn._auth.failures == 0 and s.conn._budget.errors == 0


def test_after_starttls_plain_is_offered_and_succeeds(session):
    s = session(starttls_policy())
    s.send("EHLO client.example\r\n")
    assert s.send("STARTTLS\r\n") == "220 2.0.0 Ready to start TLS\r\n"
    assert s.conn.tls
    assert auth_line(s.send("EHLO client.example\r\n")) == "AUTH PLAIN LOGIN CRAM-MD5"
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == "235 2.7.0 Authentication successful\r\n"


def test_mail_before_starttls_when_only_clear_text_mechanisms_exist(session):
    s = session(starttls_policy("PLAIN", "LOGIN"))
    ehlo = s.send("EHLO client.example\r\n")
    assert "AUTH" not in ehlo and "STARTTLS" in ehlo
    assert s.send("AUTH PLAIN\r\n") == NEEDS_TLS
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "530 5.7.0 Must issue a STARTTLS command first\r\n"


def test_mail_before_starttls_with_another_mechanism_asks_for_auth(session):
    s = session(starttls_policy())
    s.send("EHLO client.example\r\n")
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "530 5.7.0 Authentication required\r\n"


def test_false_offers_them_in_clear(session):
    s = session(starttls_policy(auth_require_tls=False))
    assert auth_line(s.send("EHLO client.example\r\n")) == "AUTH PLAIN LOGIN CRAM-MD5"
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == "235 2.7.0 Authentication successful\r\n"


def test_true_without_any_tls_refuses_them_everywhere(session):
    s = session(starttls_policy("PLAIN", auth_require_tls=True, tls_certificate=None, tls_key=None))
    ehlo = s.send("EHLO client.example\r\n")
    assert "AUTH" not in ehlo and "STARTTLS" not in ehlo
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == NEEDS_TLS
    # No AUTH can ever succeed here: the client is not told to authenticate; RCPT says relaying is denied.
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender OK\r\n"
    assert s.send("RCPT TO:<x@y.example>\r\n") == "550 5.7.1 Relaying denied\r\n"


def test_unset_without_starttls_keeps_todays_behaviour(session, make_policy):
    s = session(make_policy())  # no STARTTLS: clear text as before (lint warns, A413)
    assert auth_line(s.send("EHLO client.example\r\n")) == "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5"
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == "235 2.7.0 Authentication successful\r\n"


def test_implicit_tls_offers_them_from_the_start(session):
    s = session(starttls_policy(auth_require_tls=True), tls=True)
    assert auth_line(s.send("EHLO client.example\r\n")) == "AUTH PLAIN LOGIN CRAM-MD5"
    assert s.send(f"AUTH PLAIN {PLAIN_ALICE}\r\n") == "235 2.7.0 Authentication successful\r\n"
