"""SMTP smuggling and bare line ends: only <CRLF>.<CRLF> ends a message (RFC 5321 §4.1.1.4), so a second
transaction hidden behind a fake end marker is content ("accept" mode) or ends the session ("reject" mode).
Each sequence is driven through the sans-IO protocol (whole and byte by byte) and through a real server."""

from __future__ import annotations

import socket

import pytest

from ecconf.runtime import replies
from ecconf.runtime.events import MessageReceived
from ecconf.runtime.state import State

# Fake end markers followed by a smuggled second transaction.
SMUGGLED = {
    "lf-dot-lf": b"\n.\n",
    "cr-dot-cr": b"\r.\r",
    "crlf-dot-lf": b"\r\n.\n",
    "lf-dot-crlf": b"\n.\r\n",
    "cr-dot-crlf": b"\r.\r\n",
}
HIDDEN = b"MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\nSubject: smuggled\r\n"
ENVELOPE = b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n"


def message(marker: bytes) -> bytes:
    return b"Subject: real\r\n\r\nfirst" + marker + HIDDEN + b"\r\nlast\r\n.\r\n"


@pytest.mark.parametrize("marker", SMUGGLED.values(), ids=SMUGGLED.keys())
def test_accept_mode_keeps_the_fake_marker_as_content(session, make_policy, marker):
    s = session(make_policy(open_relay=True))
    s.send(ENVELOPE)
    out = s.send(message(marker))
    assert out.count("250 ") == 1 and out.startswith("250 2.0.0 Message accepted")  # one answer, one message
    [received] = s.of_type(MessageReceived)
    assert received.envelope.mail_from == "a@b.example" and received.envelope.rcpt_to == ("x@y.example",)
    assert b"MAIL FROM:<evil@x.example>" in received.data and b"Subject: smuggled" in received.data
    assert s.conn.state is State.READY


@pytest.mark.parametrize("marker", SMUGGLED.values(), ids=SMUGGLED.keys())
def test_reject_mode_ends_the_session_at_the_first_bare_line_end(session, make_policy, marker):
    s = session(make_policy(open_relay=True, bare_lf="reject"))
    s.send(ENVELOPE)
    assert s.send(message(marker)) == replies.BARE_LINE_END.render(True).decode()
    assert s.conn.state is State.CLOSED and not s.of_type(MessageReceived)


def test_reject_mode_refuses_bare_lf_commands_too(session, make_policy):
    s = session(make_policy(bare_lf="reject"))
    assert s.send("EHLO c\n") == replies.BARE_LINE_END.render(True).decode()
    assert s.conn.state is State.CLOSED


def converse(running, data: bytes) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(data + b"QUIT\r\n")
        return sock.makefile("rb").read().split(b"\r\n")


@pytest.mark.parametrize("marker", [SMUGGLED["lf-dot-lf"], SMUGGLED["crlf-dot-lf"]], ids=["lf-dot-lf", "crlf-dot-lf"])
def test_the_server_stores_one_message_with_the_smuggled_text_inside(run_server, make_config, marker):
    running = run_server(make_config(listen_values={"open_relay": True}))
    answers = converse(running, ENVELOPE + message(marker))
    assert sum(a.startswith(b"250 2.0.0 Message accepted") for a in answers) == 1
    assert sum(a.startswith(b"354 ") for a in answers) == 1  # the smuggled DATA was never answered
    [stored] = running.maildir_messages()
    assert "MAIL FROM:<evil@x.example>" in stored and "for <x@y.example>" in stored


def test_the_server_in_reject_mode_closes_and_stores_nothing(run_server, make_config):
    running = run_server(make_config(listen_values={"open_relay": True, "bare_lf": "reject"}))
    answers = converse(running, ENVELOPE + message(SMUGGLED["lf-dot-lf"]))
    assert answers[-2] == replies.BARE_LINE_END.render(True).rstrip(b"\r\n")
    assert running.maildir_messages() == []
