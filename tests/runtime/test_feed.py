"""The fast path a waiting session is answered on: bytes out when only more input is needed, else hand back."""

from __future__ import annotations

import base64
import os
import time

from ecconf.runtime import replies
from ecconf.runtime.config import MechanismSpec, SessionPolicy
from ecconf.runtime.events import NEED_DATA, AuthAttempted, Close, MessageReceived
from ecconf.runtime.feed import Shutdown, answer, take
from ecconf.runtime.protocol import SmtpConnection
from ecconf.runtime.sasl import can_serve, create
from ecconf.runtime.stores import MemoryStore


class Mechanisms:
    def __init__(self) -> None:
        self.store = MemoryStore({"carol": "pw"})

    def available(self, spec: MechanismSpec) -> bool:
        return can_serve(spec.name, self.store.secret_kinds)

    def create(self, spec, ctx):  # type: ignore[no-untyped-def]
        return create(spec.name, self.store, ctx)


def connection() -> SmtpConnection:
    policy = SessionPolicy(
        smtp_extensions=("ENHANCEDSTATUSCODES", "AUTH PLAIN"), auth={"PLAIN": MechanismSpec("PLAIN", "memory:")}
    )
    conn = SmtpConnection(
        policy, "mx.test", Mechanisms(), client=("127.0.0.1", 1), clock=time.time, random_bytes=os.urandom
    )
    conn.data_to_send()
    return conn


def test_commands_that_need_nothing_else_are_answered_on_the_spot() -> None:
    conn = connection()
    out, pending = answer(conn, b"EHLO c\r\nNOOP\r\n")
    assert pending is None
    assert out.startswith(b"250-mx.test greets c\r\n") and out.endswith(b"250 2.0.0 OK\r\n")


def test_events_are_handed_back_with_their_reply_still_unsent() -> None:
    conn = connection()
    answer(conn, b"EHLO c\r\n")
    out, pending = answer(conn, b"AUTH PLAIN " + base64.b64encode(b"\0carol\0pw") + b"\r\n")
    assert (out, type(pending)) == (b"", AuthAttempted)
    assert conn.data_to_send() == b"235 2.7.0 Authentication successful\r\n"  # the session sends it later
    assert conn.next_event() is NEED_DATA
    out, pending = answer(conn, b"MAIL FROM:<c@mx.test>\r\nRCPT TO:<d@x.example>\r\nDATA\r\nhi\r\n.\r\n")
    assert out == b"" and isinstance(pending, MessageReceived)
    expected = b"".join(r.render(True) for r in (replies.SENDER_OK, replies.RECIPIENT_OK, replies.START_DATA))
    assert conn.data_to_send() == expected


def test_a_broken_step_is_handed_back_as_the_exception() -> None:
    conn = connection()
    conn._mechanisms = None  # type: ignore[assignment]  # any bug inside the protocol
    out, pending = answer(conn, b"EHLO c\r\n")
    assert out == b"" and isinstance(pending, Exception)


def test_take_feeds_bytes_and_passes_events_and_shutdowns() -> None:
    conn = connection()
    assert take(conn, b"QUIT\r\n") is None
    assert isinstance(conn.next_event(), Close)
    other = connection()
    assert take(other, Shutdown) is None
    assert other.data_to_send().startswith(b"421 4.3.2 mx.test Service shutting down")
    close = Close("x")
    assert take(other, close) is close
