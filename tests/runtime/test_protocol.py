"""Sans-IO dialogue: greeting, EHLO/HELO, sequencing, limits, STARTTLS, timeouts (each fed whole and bytewise)."""

from __future__ import annotations

import base64

from ecconf.runtime import replies
from ecconf.runtime.config import HARD_MESSAGE_CAP, MechanismSpec
from ecconf.runtime.events import AuthAttempted, Close, StartTls
from ecconf.runtime.state import State

HOST = "mx.test"  # the host name the session fixture uses


def ehlo_keywords(text: str) -> list[str]:
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("250-") or lines[0].startswith("250 ")
    return [line[4:] for line in lines[1:]]


def test_greeting_uses_hostname_or_banner_hostname(session, make_policy):
    assert session().greeting == f"220 {HOST} ESMTP ready\r\n"
    assert session(make_policy(banner_hostname="smtp.example")).greeting == "220 smtp.example ESMTP ready\r\n"


def test_ehlo_advertises_only_usable_listed_extensions(session, make_policy):
    policy = make_policy(
        smtp_extensions=(
            "ENHANCEDSTATUSCODES",
            "AUTH LOGIN",
            "XCLIENT",
            "CHUNKING",
            "AUTH plain",
            "AUTH SCRAM-SHA-256",
            "STARTTLS",
            "PIPELINING",
        ),
        max_message_size=1000,
    )
    # SCRAM-SHA-256 is listed but has no parameters dict; STARTTLS has no certificate: neither is offered.
    out = session(policy).send("EHLO client.example\r\n")
    assert out.startswith(f"250-{HOST} greets client.example\r\n")
    assert ehlo_keywords(out) == ["SIZE 1000", "ENHANCEDSTATUSCODES", "AUTH LOGIN PLAIN", "PIPELINING"]


def test_ehlo_offers_starttls_with_certificate_and_key(session, tmp_path, make_policy):
    policy = make_policy(smtp_extensions=("STARTTLS",), tls_certificate=tmp_path / "c", tls_key=tmp_path / "k")
    assert ehlo_keywords(session(policy).send("EHLO c\r\n")) == [f"SIZE {HARD_MESSAGE_CAP}", "STARTTLS"]
    assert ehlo_keywords(session(policy, tls=True).send("EHLO c\r\n")) == [f"SIZE {HARD_MESSAGE_CAP}"]


def test_auth_not_offered_when_store_cannot_serve_mechanism(session, make_policy):
    # A digest store cannot serve PLAIN, and DIGEST-MD5 without stored_cleartext needs hashed secrets.
    spec = MechanismSpec("PLAIN", "memory:users")
    digest = MechanismSpec("DIGEST-MD5", "memory:users")
    policy = make_policy(smtp_extensions=("AUTH PLAIN", "AUTH DIGEST-MD5"), auth={"PLAIN": spec, "DIGEST-MD5": digest})
    assert ehlo_keywords(session(policy).send("EHLO c\r\n"))[1:] == ["AUTH PLAIN"]


def test_enhanced_codes_follow_the_extension_list(session, make_policy):
    assert session().send("NOOP\r\n") == "250 2.0.0 OK\r\n"
    plain = make_policy(smtp_extensions=("AUTH PLAIN",))
    assert session(plain).send("NOOP\r\n") == "250 OK\r\n"


def test_helo_and_basic_commands(session):
    s = session()
    assert s.send("HELO c.example\r\n") == f"250 {HOST} greets c.example\r\n"
    assert s.send("NOOP\r\nVRFY bob\r\nHELP\r\n") == (
        "250 2.0.0 OK\r\n"
        "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"
        + replies.HELP.render(True).decode()
    )
    assert s.send("RSET\r\n") == "250 2.0.0 OK\r\n"
    assert s.send("QUIT\r\n") == f"221 2.0.0 {HOST} closing connection\r\n"
    assert s.conn.state is State.CLOSED
    assert isinstance(s.events[-1], Close)
    assert s.send("NOOP\r\n") == ""


def test_helo_does_not_allow_auth(session):
    s = session()
    s.send("HELO c\r\n")
    assert s.send("AUTH PLAIN\r\n").startswith("503 5.5.1")


def test_commands_before_ehlo_are_refused(session):
    s = session()
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Send EHLO first\r\n"
    assert s.send("AUTH PLAIN\r\n") == "503 5.5.1 Send EHLO first\r\n"
    assert s.send("EHLO\r\n") == "501 5.5.2 Syntax error in command or arguments\r\n"


def test_sequence_errors(session, make_policy):
    s = session(make_policy(open_relay=True))
    s.send("EHLO c\r\n")
    assert s.send("RCPT TO:<x@y.example>\r\n") == "503 5.5.1 Need MAIL command first\r\n"
    assert s.send("DATA\r\n") == "503 5.5.1 Need RCPT command first\r\n"
    s.send("MAIL FROM:<a@b.example>\r\n")
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Sender already specified\r\n"
    assert s.send("DATA\r\n") == "503 5.5.1 Need RCPT command first\r\n"
    assert s.send("EXPN list\r\n") == "502 5.5.1 Command not implemented\r\n"


def test_unknown_commands_are_counted_then_the_session_closes(session, make_policy):
    s = session(make_policy(max_unknown_commands=2))
    assert s.send("FOO\r\n") == "500 5.5.1 Command unrecognized\r\n"
    assert s.send("12 34\r\n") == "500 5.5.1 Command unrecognized\r\n"
    assert s.send("BAZ\r\n") == "421 4.7.0 Too many unrecognized commands, closing connection\r\n"
    assert s.conn.state is State.CLOSED


def test_command_line_limit_512(session):
    s = session()
    assert s.send("NOOP " + "x" * 505 + "\r\n") == "250 2.0.0 OK\r\n"  # 512 octets with CRLF
    assert s.send("NOOP " + "x" * 506 + "\r\n") == "500 5.5.6 Line too long\r\n"
    # An endless line is cut off once, and the session carries on at the next line end.
    assert s.send("X" * 13000) == "500 5.5.6 Line too long\r\n"
    assert s.send("still the same line\r\nNOOP\r\n") == "250 2.0.0 OK\r\n"


def test_auth_command_line_may_be_12288_octets(session):
    s = session()
    s.send("EHLO c\r\n")
    # A long but valid base64 initial response: PLAIN with a long (wrong) password -> 535, not 500.
    blob = base64.b64encode(b"\0alice\0" + b"p" * 9000).decode()
    assert s.send(f"AUTH PLAIN {blob}\r\n").startswith("535 5.7.8")


def test_bare_lf_command_lines_are_accepted(session):
    s = session()
    assert s.send("NOOP\n") == "250 2.0.0 OK\r\n"


def test_starttls_discards_pipelined_plaintext_and_resets_the_session(session, tmp_path, make_policy):
    policy = make_policy(
        smtp_extensions=("ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN"),
        tls_certificate=tmp_path / "c",
        tls_key=tmp_path / "k",
    )
    s = session(policy)
    s.send("EHLO c\r\n")
    # One chunk: the MAIL arrived together with STARTTLS, before any handshake.
    out = s.send("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n", whole=True)
    assert out == "220 2.0.0 Ready to start TLS\r\n"  # the injected MAIL got no answer
    assert s.of_type(StartTls)
    assert s.conn.tls and s.conn.state is State.CONNECTED
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "503 5.5.1 Send EHLO first\r\n"
    s.send("EHLO c\r\n")
    assert s.send("STARTTLS\r\n") == "503 5.5.1 TLS already active\r\n"


def test_starttls_without_certificate_is_not_implemented(session, make_policy):
    s = session(make_policy(smtp_extensions=("STARTTLS",)))
    s.send("EHLO c\r\n")
    assert s.send("STARTTLS\r\n") == "502 Command not implemented\r\n"


def test_timeout_reply_text(session):
    s = session()
    s.send("EHLO c\r\n")
    s.conn.timeout()
    assert s.conn.data_to_send() == f"421 4.4.2 {HOST} Idle timeout, closing connection\r\n".encode()
    assert isinstance(s.conn.next_event(), Close)
    assert s.conn.state is State.CLOSED


def test_timeout_inside_auth_is_logged_as_timeout(session):
    s = session()
    s.send("EHLO c\r\nAUTH LOGIN\r\n")
    s.conn.timeout()
    event = s.conn.next_event()
    assert isinstance(event, AuthAttempted) and event.timeout and not event.success


def test_client_eof_closes(session):
    s = session()
    s.send("EHLO c\r\n")
    s.conn.receive_data(b"")
    assert isinstance(s.conn.next_event(), Close)


def test_shutdown_reply(session):
    s = session()
    s.conn.shutdown()
    assert s.conn.data_to_send().startswith(b"421 4.3.2 ")
