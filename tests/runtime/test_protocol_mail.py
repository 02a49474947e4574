"""Sans-IO mail transaction: relay decisions, MAIL/RCPT parameters, DATA reading, spool verdicts."""

from __future__ import annotations

import base64

import pytest

from ecconf.runtime import replies
from ecconf.runtime.events import NEED_DATA, PAUSED, MessageReceived
from ecconf.runtime.state import State

LOGIN_ALICE = "AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret").decode() + "\r\n"


def ready(s, auth: bool = True) -> None:
    s.send("EHLO client.example\r\n")
    if auth:
        assert s.send(LOGIN_ALICE).startswith("235 ")


def test_mail_requires_auth_when_auth_is_offered(session):
    s = session()
    ready(s, auth=False)
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "530 5.7.0 Authentication required\r\n"


def test_utf8_addresses_get_553_without_smtputf8_and_ascii_still_works(session):
    s = session()
    ready(s)
    assert "SMTPUTF8" not in s.send("EHLO client.example\r\n")
    assert s.send("MAIL FROM:<jörg@example.de>\r\n") == (
        "553 5.6.7 Non-ASCII addresses not permitted for that sender (no SMTPUTF8)\r\n"
    )
    # Asking for SMTPUTF8 does not help: it is not on offer (RFC 6531 §3.4).
    assert s.send("MAIL FROM:<jörg@example.de> SMTPUTF8\r\n").startswith("553 5.6.7 ")
    assert s.send("MAIL FROM:<joerg@example.de>\r\n") == "250 2.1.0 Sender OK\r\n"
    assert s.send("RCPT TO:<ünal@example.org>\r\n") == (
        "553 5.6.7 Non-ASCII addresses not permitted for that recipient (no SMTPUTF8)\r\n"
    )
    assert s.send("RCPT TO:<unal@example.org>\r\n") == "250 2.1.5 Recipient OK\r\n"
    assert s.conn._budget.errors == 0  # a policy refusal, not junk


def test_rcpt_relaying_denied_when_no_auth_is_offered(session, make_policy):
    s = session(make_policy(smtp_extensions=("ENHANCEDSTATUSCODES",)))
    ready(s, auth=False)
    assert s.send("MAIL FROM:<a@b.example>\r\n") == "250 2.1.0 Sender OK\r\n"
    assert s.send("RCPT TO:<x@y.example>\r\n") == "550 5.7.1 Relaying denied\r\n"


@pytest.mark.parametrize(
    "overrides, client",
    [
        ({"relay_hosts": ("192.0.2.0/24",)}, ("192.0.2.7", 1)),
        ({"relay_hosts": ("127.0.0.0/8",)}, ("::ffff:127.0.0.1", 1)),  # dual-stack socket form
        ({"open_relay": True}, ("203.0.113.9", 1)),
    ],
    ids=["relay-hosts", "relay-hosts-mapped-v6", "open-relay"],
)
def test_relay_without_auth(session, make_policy, overrides, client):
    s = session(make_policy(**overrides), client=client)
    ready(s, auth=False)
    assert s.conn.context.can_relay
    assert s.send("MAIL FROM:<>\r\nRCPT TO:<x@y.example>\r\n") == "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"


def test_client_outside_relay_hosts_may_not_relay(session, make_policy):
    s = session(make_policy(relay_hosts=("10.0.0.0/8",)), client=("192.0.2.7", 1))
    ready(s, auth=False)
    assert not s.conn.context.can_relay


def test_mail_parameters(session, make_policy):
    s = session(make_policy(max_message_size=1000))
    ready(s)
    assert s.send("MAIL FROM:<a@b.example> AUTH=<> SIZE=999 BODY=8BITMIME\r\n").startswith("250 2.1.0")
    s.send("RSET\r\n")
    assert s.send("MAIL FROM:<a@b.example> SIZE=1001\r\n") == (
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    )
    assert s.send("MAIL FROM:<a@b.example> SIZE=big\r\n") == "501 5.5.4 Invalid value for parameter SIZE\r\n"
    assert s.send("MAIL FROM:<a@b.example> BODY=9BIT\r\n") == "501 5.5.4 Invalid value for parameter BODY\r\n"
    assert s.send("MAIL FROM:<a@b.example> FOO=1\r\n") == "555 5.5.4 Parameter FOO not recognized\r\n"
    assert s.send("MAIL FROM:<a@b.example> AUTH=x+2\r\n") == "501 5.5.4 Invalid value for parameter AUTH\r\n"
    assert s.send("MAIL FROM:<alice+2Bx@b.example> AUTH=alice+2Bx@b.example\r\n").startswith("250 ")
    assert s.send("RCPT TO:<x@y.example> NOTIFY=NEVER\r\n") == "555 5.5.4 Parameter NOTIFY not recognized\r\n"


@pytest.mark.parametrize(
    "line, reply",
    [
        ("MAIL FROM:<no-at-sign>", replies.BAD_SENDER),
        ("MAIL FROM:<a@b.example", replies.SYNTAX_ERROR),
        ("MAIL TO:<a@b.example>", replies.SYNTAX_ERROR),
        ("MAIL FROM:<a@-bad-.example>", replies.BAD_SENDER),
    ],
)
def test_bad_mail_syntax(session, line, reply):
    s = session()
    ready(s)
    assert s.send(line + "\r\n") == reply.render(True).decode()


def test_address_forms(session):
    s = session()
    ready(s)
    assert s.send("MAIL FROM: <@relay.example:a@b.example>\r\n").startswith("250 ")  # source route, space
    assert s.send('RCPT TO:<"john doe"@y.example>\r\n').startswith("250 ")
    assert s.send("RCPT TO:<Postmaster>\r\n").startswith("250 ")
    assert s.send("RCPT TO:<>\r\n") == replies.BAD_RECIPIENT.render(True).decode()


def test_max_recipients(session, make_policy):
    s = session(make_policy(max_recipients_per_message=2))
    ready(s)
    s.send("MAIL FROM:<a@b.example>\r\n")
    assert s.send("RCPT TO:<1@y.example>\r\nRCPT TO:<2@y.example>\r\n").count("250 2.1.5") == 2
    assert s.send("RCPT TO:<3@y.example>\r\n") == "452 4.5.3 Too many recipients\r\n"


def test_pipelined_transaction_with_dot_unstuffing_and_headers(session):
    s = session()
    ready(s)
    out = s.send(
        "MAIL FROM:<alice@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n"
        "Subject: hi\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n"
    )
    [msg] = s.of_type(MessageReceived)
    qid = msg.envelope.queue_id
    assert out == (
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n"
        f"250 2.0.0 Message accepted for delivery, queued as {qid}\r\n221 2.0.0 mx.test closing connection\r\n"
    )
    env = msg.envelope
    assert (env.mail_from, env.rcpt_to, env.helo, env.esmtp, env.context.auth_user) == (
        "alice@b.example",
        ("x@y.example",),
        "client.example",
        True,
        "alice",
    )
    lines = msg.data.decode().split("\n")
    assert lines[0] == "Authentication-Results: mx.test; auth=pass (PLAIN) smtp.auth=alice"
    assert lines[1] == "Received: from client.example ([192.0.2.7])"
    assert lines[2] == f"\tby mx.test with ESMTPA id {qid}"
    assert lines[3] == "\tfor <x@y.example>; Tue, 14 Nov 2023 22:13:20 +0000"
    # An authenticated submission without Date or Message-ID gets both (RFC 6409 §8).
    added = ["Date: Tue, 14 Nov 2023 22:13:20 +0000", f"Message-ID: <{qid}.1700000000@mx.test>"]
    assert lines[4:] == [*added, "Subject: hi", "", ".leading dot", ""]


def test_only_crlf_dot_crlf_ends_data(session, make_policy):
    s = session(make_policy(open_relay=True))
    ready(s, auth=False)
    s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
    # Smuggling attempts: <LF>.<LF>, <LF>.<CRLF>, <CRLF>.<LF> are content, never the end of the message.
    out = s.send("one\n.\nMAIL FROM:<evil@x.example>\r\ntwo\n.\r\nthree\r\n.\nfour\r\n")
    assert out == "" and s.conn.state is State.DATA
    assert s.send(".\r\n").startswith("250 2.0.0")
    [msg] = s.of_type(MessageReceived)
    body = msg.data.decode().split("\n\tfor <x@y.example>; ", 1)[1].split("\n", 1)[1]
    # A lone "." that did not end the message is content and stays as sent (RFC 5321 §4.5.2 unstuffs
    # only a dot followed by other characters).
    assert body == "one\n.\nMAIL FROM:<evil@x.example>\ntwo\n.\nthree\n.\nfour\n"


def test_empty_message(session, make_policy):
    s = session(make_policy(open_relay=True))
    ready(s, auth=False)
    assert s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n.\r\n").endswith(
        "queued as " + s.of_type(MessageReceived)[0].envelope.queue_id + "\r\n"
    )
    assert s.of_type(MessageReceived)[0].data.decode().startswith("Authentication-Results: mx.test; auth=none\n")


def test_max_message_size_is_enforced_while_reading(session, make_policy):
    s = session(make_policy(open_relay=True, max_message_size=100))
    ready(s, auth=False)
    s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
    s.send("x" * 60 + "\r\n" + "y" * 60 + "\r\n" + "z" * 20000 + "\r\n")
    assert s.conn._data.size > 100 and s.conn._data.message() == b""  # nothing past the limit is kept
    assert s.send(".\r\n") == "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    assert not s.of_type(MessageReceived)
    assert s.conn.state is State.READY
    assert s.send("RCPT TO:<x@y.example>\r\n").startswith("503 ")  # the transaction is gone


def test_spool_failure_reply_is_passed_through(session, make_policy):
    s = session(make_policy(open_relay=True))
    s.store_reply = replies.SPOOL_FULL
    ready(s, auth=False)
    out = s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nhi\r\n.\r\n")
    assert out.endswith("452 4.3.1 Insufficient system storage\r\n")
    assert s.conn.state is State.READY


def test_input_after_data_waits_for_the_spool(session, make_policy):
    s = session(make_policy(open_relay=True))
    ready(s, auth=False)
    conn = s.conn
    conn.receive_data(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\n")
    event = conn.next_event()
    assert isinstance(event, MessageReceived)
    assert conn.next_event() is PAUSED
    assert conn.data_to_send().endswith(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n")  # no NOOP reply yet
    conn.message_stored("Q1")
    assert conn.next_event() is NEED_DATA
    assert conn.data_to_send() == b"250 2.0.0 Message accepted for delivery, queued as Q1\r\n250 2.0.0 OK\r\n"


def test_rset_clears_the_transaction(session):
    s = session()
    ready(s)
    s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n")
    assert s.send("RSET\r\n") == "250 2.0.0 OK\r\n"
    assert s.send("DATA\r\n").startswith("503 ")
    assert s.conn.context.auth_user == "alice"  # RSET keeps the authentication


def test_recipients_are_bounded_when_max_recipients_is_unset(session):
    """Finding: 200 000 RCPTs were accepted (+92 MiB) with Max_Recipients_Per_Message unset. RFC 5321
    §4.5.3.1.8 asks that at least 100 be accepted; past the default bound the excess gets 452 4.5.3."""
    from ecconf.runtime.protocol import DEFAULT_MAX_RECIPIENTS

    assert DEFAULT_MAX_RECIPIENTS >= 100
    s = session()
    ready(s)
    s.send("MAIL FROM:<a@b.example>\r\n")
    many = "".join(f"RCPT TO:<{i}@y.example>\r\n" for i in range(DEFAULT_MAX_RECIPIENTS))
    assert s.send(many).count("250 2.1.5") == DEFAULT_MAX_RECIPIENTS
    assert s.send("RCPT TO:<one-more@y.example>\r\n") == "452 4.5.3 Too many recipients\r\n"
