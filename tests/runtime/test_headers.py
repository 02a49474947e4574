"""Trace headers: Authentication-Results (RFC 8601) and Received with RFC 3848 keywords."""

from __future__ import annotations

import pytest

from ecconf.runtime.events import AuthStatus, Envelope, ValidationContext
from ecconf.runtime.headers import (
    authentication_results,
    protocol_keyword,
    received,
    submission_headers,
    trace_headers,
)

PASS = ValidationContext("CRAM-MD5", AuthStatus.PASS, "alice", True)


def envelope(**kw) -> Envelope:
    values = dict(
        queue_id="ABC123", mail_from="a@b.example", rcpt_to=("x@y.example",), helo="client.example", esmtp=True,
        tls=False, client_ip="192.0.2.7", client_port=4000, context=PASS, received_at=0.0,
    )  # fmt: skip
    values.update(kw)
    return Envelope(**values)


@pytest.mark.parametrize(
    "esmtp, tls, status, keyword",
    [
        (False, False, AuthStatus.NONE, "SMTP"),
        (True, False, AuthStatus.NONE, "ESMTP"),
        (True, False, AuthStatus.PASS, "ESMTPA"),
        (True, True, AuthStatus.NONE, "ESMTPS"),
        (True, True, AuthStatus.PASS, "ESMTPSA"),
        (True, False, AuthStatus.FAIL, "ESMTP"),
    ],
)
def test_protocol_keywords(esmtp, tls, status, keyword):
    ctx = ValidationContext("PLAIN", status, "u", True)
    assert protocol_keyword(envelope(esmtp=esmtp, tls=tls, context=ctx)) == keyword


def test_authentication_results():
    assert authentication_results("mx.test", envelope()) == (
        "Authentication-Results: mx.test; auth=pass (CRAM-MD5) smtp.auth=alice"
    )
    assert authentication_results("mx.test", envelope(context=ValidationContext(can_relay=True))) == (
        "Authentication-Results: mx.test; auth=none"
    )


@pytest.mark.parametrize(
    "user, shown",
    [
        ("bob@example.org", "bob@example.org"),
        ("john doe", '"john doe"'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("evil\r\nX-Injected: 1", '"evilX-Injected: 1"'),
    ],
)
def test_user_values_are_quoted_and_cleaned(user, shown):
    ctx = ValidationContext("PLAIN", AuthStatus.PASS, user, True)
    assert authentication_results("mx", envelope(context=ctx)).endswith(f"smtp.auth={shown}")


def test_received_line():
    assert received("mx.test", envelope()) == (
        "Received: from client.example ([192.0.2.7])\n"
        "\tby mx.test with ESMTPA id ABC123\n"
        "\tfor <x@y.example>; Thu, 01 Jan 1970 00:00:00 +0000"
    )


def test_received_variants():
    text = received("mx", envelope(rcpt_to=("a@x", "b@x"), client_ip="2001:db8::1", helo="bad\nhelo"))
    assert text.startswith("Received: from badhelo ([IPv6:2001:db8::1])\n")
    assert "for <" not in text  # several recipients are not listed
    assert received("mx", envelope(client_ip="", helo="")).startswith("Received: from unknown ([local])")


def test_trace_headers_order_and_line_ends():
    data = trace_headers("mx.test", envelope()).decode()
    assert data.startswith("Authentication-Results: ") and "\nReceived: " in data
    assert data.endswith("+0000\n") and "\r" not in data


def test_a_submission_without_date_or_message_id_gets_both() -> None:
    added = submission_headers("mx.test", envelope(), b"Subject: hi\nFrom: a@b.example\n\nbody\n")
    assert added == b"Date: Thu, 01 Jan 1970 00:00:00 +0000\nMessage-ID: <ABC123.0@mx.test>\n"


@pytest.mark.parametrize(
    ("message", "added"),
    [
        (b"DATE: Mon, 1 Jan 2024 00:00:00 +0000\nmessage-id : <x@y>\n\nbody\n", b""),
        (b"Message-ID: <x@y>\n\nDate: in the body does not count\n", b"Date: Thu, 01 Jan 1970 00:00:00 +0000\n"),
        (b"Subject: x\n X-Date: a folded line is no Date\n\n", b"Date: Thu, 01 Jan 1970 00:00:00 +0000\n"),
        (b"\nDate: no header section at all\n", b"Date: Thu, 01 Jan 1970 00:00:00 +0000\n"),
    ],
)
def test_only_what_the_header_section_lacks_is_added(message: bytes, added: bytes) -> None:
    if b"Message-ID" not in message and b"message-id" not in message:
        added += b"Message-ID: <ABC123.0@mx.test>\n"
    assert submission_headers("mx.test", envelope(), message) == added


def test_mail_relayed_without_auth_is_left_alone() -> None:
    unauthenticated = envelope(context=ValidationContext())
    assert submission_headers("mx.test", unauthenticated, b"Subject: x\n\nbody\n") == b""


def test_authentication_results_says_temperror_when_the_store_could_not_answer() -> None:
    ctx = ValidationContext("PLAIN", AuthStatus.ERROR, "alice", False)
    assert authentication_results("mx.test", envelope(context=ctx)) == (
        "Authentication-Results: mx.test; auth=temperror (PLAIN) smtp.auth=alice"
    )
