"""Sans-IO AUTH (RFC 4954) with the real SASL mechanisms against an in-memory store."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path

import pytest

from ecconf.runtime.authn import Credentials
from ecconf.runtime.events import AuthAttempted, AuthStatus, AuthVerdict, Close
from ecconf.runtime.sasl.base import SecretKind
from ecconf.runtime.state import State


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def challenge(reply: str) -> bytes:
    match = re.fullmatch(r"334 (\S*)\r\n", reply)
    assert match, reply
    return base64.b64decode(match.group(1))


def ehlo(s) -> None:
    assert s.send("EHLO client.example\r\n").startswith("250-")


def digest_response(challenge_text: str, user: str, password: str, realm: str) -> tuple[str, str]:
    """Client side of RFC 2831, written from the RFC: (response line, expected rspauth)."""
    nonce = re.search(r'nonce="([^"]+)"', challenge_text).group(1)
    cnonce, nc, uri = "Y2xpZW50bm9uY2U", "00000001", f"smtp/{realm}"
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).digest()
    a1 = hashlib.md5(ha1 + f":{nonce}:{cnonce}".encode()).hexdigest()

    def kd(a2: str) -> str:
        return hashlib.md5(
            f"{a1}:{nonce}:{nc}:{cnonce}:auth:{hashlib.md5(a2.encode()).hexdigest()}".encode()
        ).hexdigest()

    line = (
        f'username="{user}",realm="{realm}",nonce="{nonce}",cnonce="{cnonce}",nc={nc},qop=auth,'
        f'digest-uri="{uri}",response={kd("AUTHENTICATE:" + uri)},charset=utf-8'
    )
    return line, kd(":" + uri)


def test_plain_initial_response_succeeds_and_fills_the_context(session):
    s = session()
    ehlo(s)
    assert (
        s.send(f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 's3cret')}\r\n")
        == "235 2.7.0 Authentication successful\r\n"
    )
    ctx = s.conn.context
    assert (ctx.auth_name, ctx.auth_status, ctx.auth_user, ctx.can_relay) == ("PLAIN", AuthStatus.PASS, "alice", True)
    [event] = s.of_type(AuthAttempted)
    assert (event.mechanism, event.user, event.success, event.timeout, event.log) == (
        "PLAIN",
        "alice",
        True,
        False,
        True,
    )


def test_plain_without_initial_response_gets_334_with_a_space(session):
    s = session()
    ehlo(s)
    assert s.send("auth plain\r\n") == "334 \r\n"
    assert s.send(b64("\0bob@example.org\0hunter2") + "\r\n").startswith("235 ")


def test_empty_initial_response_is_equals_sign(session):
    s = session()
    ehlo(s)
    # "=" is an empty initial response; an empty PLAIN message is malformed.
    assert s.send("AUTH PLAIN =\r\n") == "501 5.5.2 Malformed authentication response\r\n"


def test_login(session):
    s = session()
    ehlo(s)
    assert challenge(s.send("AUTH LOGIN\r\n")) == b"Username:"
    assert challenge(s.send(b64("alice") + "\r\n")) == b"Password:"
    assert s.send(b64("s3cret") + "\r\n").startswith("235 2.7.0")


def test_login_with_initial_response(session):
    s = session()
    ehlo(s)
    assert challenge(s.send(f"AUTH LOGIN {b64('alice')}\r\n")) == b"Password:"
    assert s.send(b64("s3cret") + "\r\n").startswith("235 2.7.0")


def test_cram_md5(session):
    s = session()
    ehlo(s)
    chal = challenge(s.send("AUTH CRAM-MD5\r\n"))
    assert re.fullmatch(rb"<\d+\.\d+@mx\.test>", chal)
    digest = hmac.new(b"s3cret", chal, hashlib.md5).hexdigest()
    assert s.send(b64(f"alice {digest}") + "\r\n").startswith("235 2.7.0")


def test_digest_md5_sends_rspauth_then_235_after_the_empty_line(session):
    s = session()
    ehlo(s)
    chal = challenge(s.send("AUTH DIGEST-MD5\r\n")).decode()
    assert 'realm="mx.test"' in chal and 'qop="auth"' in chal
    line, rspauth = digest_response(chal, "alice", "s3cret", "mx.test")
    assert challenge(s.send(b64(line) + "\r\n")) == f"rspauth={rspauth}".encode()
    assert s.conn.context.auth_status is AuthStatus.NONE
    assert s.send("\r\n") == "235 2.7.0 Authentication successful\r\n"
    assert s.conn.context.auth_user == "alice"


@pytest.mark.parametrize(
    "user, password", [("alice", "wrong"), ("mallory", "s3cret")], ids=["wrong-password", "unknown-user"]
)
def test_bad_credentials_get_535(session, user, password):
    s = session()
    ehlo(s)
    assert s.send(f"AUTH PLAIN {b64(chr(0) + user + chr(0) + password)}\r\n") == (
        "535 5.7.8 Authentication credentials invalid\r\n"
    )
    assert s.conn.context.auth_status is AuthStatus.FAIL and not s.conn.context.can_relay
    [event] = s.of_type(AuthAttempted)
    assert (event.user, event.success) == (user, False)
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "530 5.7.0 Authentication required\r\n"


def test_cancel_with_star(session):
    s = session()
    ehlo(s)
    s.send("AUTH LOGIN\r\n")
    assert s.send("*\r\n") == "501 5.7.0 Authentication cancelled\r\n"
    assert s.conn.state is State.READY
    assert s.send("AUTH PLAIN *\r\n") == "501 5.7.0 Authentication cancelled\r\n"
    # Cancelling is not a failed attempt: three of them do not close the session.
    assert s.send("AUTH PLAIN *\r\n").startswith("501")
    assert s.conn.state is State.READY


def test_bad_base64(session):
    s = session()
    ehlo(s)
    assert s.send("AUTH PLAIN !!!notbase64\r\n") == "501 5.5.2 Cannot decode base64 response\r\n"
    s.send("AUTH LOGIN\r\n")
    assert s.send("a=b=c\r\n") == "501 5.5.2 Cannot decode base64 response\r\n"
    assert s.conn.state is State.READY


def test_unknown_mechanism_and_syntax(session, make_policy):
    s = session(make_policy(smtp_extensions=("AUTH PLAIN",)))
    ehlo(s)
    assert s.send("AUTH GSSAPI\r\n") == "504 Unrecognized authentication type\r\n"
    # Listed in the parameters but not in SMTP_Extensions: not offered, so unknown.
    assert s.send("AUTH LOGIN\r\n").startswith("504 ")
    assert s.send("AUTH\r\n").startswith("501 ")


def test_auth_twice_and_inside_a_transaction(session, make_policy):
    s = session()
    ehlo(s)
    s.send(f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 's3cret')}\r\n")
    assert s.send("AUTH PLAIN\r\n") == "503 5.5.1 Already authenticated\r\n"
    t = session(make_policy(open_relay=True))
    ehlo(t)
    t.send("MAIL FROM:<a@b.example>\r\n")
    assert t.send("AUTH PLAIN\r\n") == "503 5.5.1 AUTH not permitted during a mail transaction\r\n"


def test_third_failure_is_answered_then_421(session):
    s = session()
    ehlo(s)
    bad = f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 'nope')}\r\n"
    assert s.send(bad).startswith("535 ")
    assert s.send(bad).startswith("535 ")
    assert s.conn.state is State.READY
    assert s.send(bad) == (
        "535 5.7.8 Authentication credentials invalid\r\n"
        "421 4.7.0 Too many authentication failures, closing connection\r\n"
    )
    assert isinstance(s.events[-1], Close)


def test_sasl_line_limit(session):
    s = session()
    ehlo(s)
    s.send("AUTH LOGIN\r\n")
    assert s.send("QUFB" * 3072 + "\r\n") == "500 5.5.6 Line too long\r\n"  # 12290 octets
    assert s.conn.state is State.READY


def test_always_deny_fails_good_credentials_and_always_allow_passes_bad(session, make_policy):
    good = f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 's3cret')}\r\n"
    bad = f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 'nope')}\r\n"
    denied = session(make_policy(always_deny=True, always_allow=True))
    ehlo(denied)
    assert denied.send(good).startswith("535 5.7.8")
    allowed = session(make_policy(always_allow=True))
    ehlo(allowed)
    assert allowed.conn.context.can_relay  # always_allow: treated as authenticated even before AUTH
    assert allowed.send(bad).startswith("235 2.7.0")
    assert allowed.conn.context.auth_user == "alice"


def test_store_failure_is_temporary(session):
    class Broken:
        secret_kinds = frozenset(SecretKind)

        def refresh(self) -> bool:
            return False

        last_error = None

        def cleartext(self, user: str) -> str | None:
            raise OSError("backend down")

        def digest_ha1(self, user: str, realm: str) -> bytes | None:
            raise OSError("backend down")

    creds = Credentials(base_dir=Path("."))
    creds.add("memory:users", Broken())
    s = session(mechanisms=creds)
    ehlo(s)
    assert (
        s.send(f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 'x')}\r\n")
        == "454 4.7.0 Temporary authentication failure\r\n"
    )
    assert s.conn.context.auth_status is AuthStatus.ERROR
    [event] = s.of_type(AuthAttempted)
    assert event.reason.startswith("temporary: ")  # what the log says: the store, never the secret


def _digest_to_rspauth(s, password: str = "s3cret") -> str:
    chal = challenge(s.send("AUTH DIGEST-MD5\r\n")).decode()
    line, _ = digest_response(chal, "alice", password, "mx.test")
    return s.send(b64(line) + "\r\n")


def test_the_verdict_334_asks_the_driver_to_hold_it_like_a_final_answer(session, make_policy):
    s = session(make_policy(auth_failure_delay=0.5))
    ehlo(s)
    assert _digest_to_rspauth(s, "wrong").startswith("535 ")  # failure 1
    assert _digest_to_rspauth(s).startswith("334 ")  # the right password, told by rspauth...
    [verdict] = s.of_type(AuthVerdict)
    assert verdict.delay == 0.5 and not verdict.penalised  # ...waits as long as a 2nd failure would
    assert s.send("\r\n").startswith("235 ")
    last = s.of_type(AuthAttempted)[-1]
    assert last.success and last.judged and last.delay == 0.0  # and is not held a second time


def test_a_right_password_waits_as_long_as_a_wrong_one_would(session, make_policy):
    s = session(make_policy(auth_failure_delay=0.5))
    ehlo(s)
    s.send(f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 'nope')}\r\n")
    s.send(f"AUTH PLAIN {b64(chr(0) + 'alice' + chr(0) + 's3cret')}\r\n")
    assert [(e.success, e.delay) for e in s.of_type(AuthAttempted)] == [(False, 0.0), (True, 0.5)]


@pytest.mark.parametrize("after", ["*\r\n", b64("garbage") + "\r\n"], ids=["cancel", "garbage"])
def test_cancel_or_garbage_after_the_verdict_334_bypasses_nothing(session, after):
    s = session()
    ehlo(s)
    assert _digest_to_rspauth(s).startswith("334 ")
    assert s.send(after).startswith("501 ")
    [attempt] = s.of_type(AuthAttempted)
    assert not attempt.success and s.conn.context.auth_status is not AuthStatus.PASS
    assert s.conn.context.can_relay is False
    assert attempt.judged  # the verdict was held when it went out; nothing to hold or count again


def test_always_deny_gives_no_rspauth_for_a_right_password(session, make_policy):
    s = session(make_policy(always_deny=True))
    ehlo(s)
    assert _digest_to_rspauth(s).startswith("535 ")  # not a 334 that proves the password right
    assert not s.of_type(AuthVerdict)


def test_a_refused_verdict_is_taken_back_unsent(session):
    s = session()
    ehlo(s)
    chal = challenge(s.send("AUTH DIGEST-MD5\r\n")).decode()
    line, _ = digest_response(chal, "alice", "s3cret", "mx.test")
    s.conn.receive_data((b64(line) + "\r\n").encode())
    assert isinstance(s.conn.next_event(), AuthVerdict)  # the driver finds no slot for the address...
    s.conn.refuse_verdict()
    out = s.conn.data_to_send().decode()
    assert "rspauth" not in out and "334" not in out and out.startswith("421 4.7.0")  # ...and says 421
    assert s.conn.state is State.CLOSED
