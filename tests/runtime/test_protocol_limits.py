"""Sans-IO limits: bad-command budget, AUTH failure delays, greeting delay, DATA deadline, output backpressure,
the hard message cap and strict line ends (fed whole and byte by byte unless the test says otherwise)."""

from __future__ import annotations

import base64

import pytest

from ecconf.runtime import config as runtime_config
from ecconf.runtime import replies
from ecconf.runtime.commands import MAX_PENDING_LINE
from ecconf.runtime.events import FLUSH, NEED_DATA, AuthAttempted, Close, MessageReceived
from ecconf.runtime.protocol import OUTPUT_HIGH_WATER
from ecconf.runtime.state import State

HOST = "mx.test"  # the host name the session fixture uses

BAD_PLAIN = "AUTH PLAIN " + base64.b64encode(b"\0alice\0nope").decode() + "\r\n"
GOOD_PLAIN = "AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret").decode() + "\r\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "line",
    ["FOO\r\n", "MAIL FROM:<a@b.example>\r\n", "EHLO\r\n", "RCPT TO:<x@y.example>\r\n", "X" * 600 + "\r\n"],
    ids=["unknown", "out-of-sequence", "syntax", "sequence", "too-long"],
)
def test_every_kind_of_refused_command_counts_towards_the_budget(session, make_policy, line):
    s = session(make_policy(max_unknown_commands=3))
    for _ in range(3):
        assert s.send(line)[0] == "5"
    assert s.send(line) == "421 4.7.0 Too many unrecognized commands, closing connection\r\n"
    assert s.conn.state is State.CLOSED and isinstance(s.events[-1], Close)


def test_accepted_commands_and_auth_failures_do_not_count(session, make_policy):
    s = session(make_policy(max_unknown_commands=1, max_auth_failures=5))
    s.send("EHLO c\r\n")
    for _ in range(20):
        assert s.send("NOOP\r\n") == "250 2.0.0 OK\r\n"
    for _ in range(3):
        assert s.send(BAD_PLAIN).startswith("535 ")
    assert s.send("FOO\r\n").startswith("500 ")  # the first refusal is still answered, not 421
    assert s.conn.state is State.READY


def test_auth_failures_ask_for_growing_delays_then_421(session, make_policy):
    s = session(make_policy(auth_failure_delay=0.5, max_auth_failures=4))
    s.send("EHLO c\r\n")
    for _ in range(4):
        s.send(BAD_PLAIN)
    events = s.of_type(AuthAttempted)
    assert [e.delay for e in events] == [0.0, 0.5, 1.0, 2.0]  # the protocol asks, the driver waits
    assert all(e.penalised and not e.abandoned and not e.success for e in events)
    assert s.conn.state is State.CLOSED


def test_failure_delay_is_capped(session, make_policy):
    s = session(make_policy(auth_failure_delay=10.0, auth_penalty_cap=15.0, max_auth_failures=10))
    s.send("EHLO c\r\n")
    for _ in range(5):
        s.send(BAD_PLAIN)
    assert [e.delay for e in s.of_type(AuthAttempted)] == [0.0, 10.0, 15.0, 15.0, 15.0]


def test_cancel_and_success_ask_for_no_delay_and_are_not_penalised(session):
    s = session()
    s.send("EHLO c\r\n")
    s.send("AUTH LOGIN\r\n")
    s.send("*\r\n")
    s.send(GOOD_PLAIN)
    assert [(e.delay, e.penalised) for e in s.of_type(AuthAttempted)] == [(0.0, False), (0.0, False)]


def test_greeting_delay_holds_the_banner_and_refuses_early_talkers(session, make_policy):
    s = session(make_policy(greeting_delay=2.0))
    assert s.greeting == "" and s.conn.read_timeout() == 2.0
    assert s.send("EHLO early.example\r\n") == (
        f"554 5.5.1 {HOST} Protocol error: data sent before the greeting, closing connection\r\n"
    )
    assert s.conn.state is State.CLOSED and isinstance(s.events[-1], Close)


def test_a_patient_client_gets_the_banner_after_the_delay(session, make_policy):
    s = session(make_policy(greeting_delay=2.0))
    s.conn.timeout()  # the driver saw no input for read_timeout() seconds
    assert s.conn.data_to_send() == f"220 {HOST} ESMTP ready\r\n".encode()
    assert s.conn.state is State.CONNECTED and s.conn.read_timeout() == 300.0
    assert s.send("EHLO c\r\n").startswith("250-")


def test_data_has_a_deadline_for_the_whole_transfer(session, make_policy):
    clock = Clock()
    s = session(make_policy(open_relay=True, data_timeout=60.0, data_deadline=100.0), clock=clock)
    s.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
    assert s.conn.read_timeout() == 60.0  # per read: the data timeout
    for _ in range(9):  # a line every 10 s keeps each read well inside the data timeout...
        clock.now += 10
        s.send("trickle\r\n")
    assert s.conn.read_timeout() == pytest.approx(10.0)  # ...but the whole transfer has 10 s left
    clock.now += 10
    assert s.conn.read_timeout() == 0.0
    s.conn.timeout()
    assert s.conn.data_to_send() == f"421 4.4.2 {HOST} Message transfer took too long, closing connection\r\n".encode()
    assert s.conn.state is State.CLOSED and not s.of_type(MessageReceived)


@pytest.mark.parametrize("where", ["command", "auth-response", "over-long-tail"])
def test_idle_time_bounds_a_whole_line_however_it_trickles_in(session, make_policy, where):
    clock = Clock()
    s = session(make_policy(idle_time=5.0), clock=clock)
    s.send("EHLO c\r\n")
    if where == "auth-response":
        assert s.send("AUTH LOGIN\r\n").startswith("334 ")
    elif where == "over-long-tail":  # refused at once; its tail is skipped, and counts against the same line
        assert s.send("X" * (MAX_PENDING_LINE + 1), whole=True).startswith("500 ")
    assert s.conn.read_timeout() == 5.0  # between lines: the whole budget
    for _ in range(4):  # a byte every 1.2 s re-armed a 5 s idle timer for ever
        s.send("N", whole=True)
        clock.now += 1.2
        assert s.conn.read_timeout() < 5.0
    assert s.conn.read_timeout() == pytest.approx(0.2)
    clock.now += 0.2
    assert s.conn.read_timeout() == 0.0
    s.conn.timeout()
    assert s.conn.data_to_send() == f"421 4.4.2 {HOST} Idle timeout, closing connection\r\n".encode()
    assert s.conn.state is State.CLOSED


def test_each_line_gets_its_own_budget(session, make_policy):
    clock = Clock()
    s = session(make_policy(idle_time=5.0), clock=clock)
    s.send("NO", whole=True)
    clock.now += 4.0
    assert s.send("OP\r\nNO", whole=True).startswith("250 ")  # the next line starts now
    assert s.conn.read_timeout() == 5.0
    clock.now += 4.0
    assert s.send("OP\r\n", whole=True).startswith("250 ")
    assert s.conn.read_timeout() == 5.0


def test_a_quiet_client_in_data_gets_the_idle_reply(session, make_policy):
    s = session(make_policy(open_relay=True, data_timeout=60.0, data_deadline=100.0))
    s.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
    s.conn.timeout()
    assert s.conn.data_to_send().startswith(b"421 4.4.2 mx.test Idle timeout")


def test_pipelined_flood_is_answered_in_bounded_batches(session, make_policy):
    s = session(make_policy(max_unknown_commands=10**9))  # about batching, not about the junk budget
    s.conn.receive_data(b"HELP\r\n" * 10_000)
    reply = replies.HELP.render(True)
    answered, flushes = 0, 0
    while True:
        event = s.conn.next_event()
        out = s.conn.data_to_send()
        assert len(out) <= OUTPUT_HIGH_WATER + len(reply)  # never more than one batch pending
        answered += out.count(reply)
        if event is NEED_DATA:
            break
        assert event is FLUSH
        flushes += 1
    assert answered == 10_000 and flushes >= 10


def test_unlimited_size_still_has_the_hard_cap(session, make_policy, monkeypatch):
    monkeypatch.setattr(runtime_config, "HARD_MESSAGE_CAP", 1000)
    s = session(make_policy(open_relay=True, max_message_size=0))
    assert "SIZE 1000" in s.send("EHLO c\r\n")
    s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
    assert s.send("x" * 2000 + "\r\n.\r\n") == "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
    assert not s.messages
    assert s.send("MAIL FROM:<a@b.example> SIZE=1001\r\n").startswith("552 5.3.4")


def test_strict_mode_ends_the_session_on_a_bare_lf_command(session, make_policy):
    s = session(make_policy(bare_lf="reject"))
    assert s.send("NOOP\r\n") == "250 2.0.0 OK\r\n"
    assert s.send("NOOP\n") == replies.BARE_LINE_END.render(True).decode()
    assert s.conn.state is State.CLOSED


def test_strict_mode_inside_an_auth_exchange_abandons_it(session, make_policy):
    s = session(make_policy(bare_lf="reject"))
    s.send("EHLO c\r\nAUTH LOGIN\r\n")
    assert s.send("YWxpY2U=\n").startswith("421 4.5.2 ")
    [attempt] = s.of_type(AuthAttempted)
    assert attempt.abandoned and not attempt.success
    assert s.conn.state is State.CLOSED


def test_at_rest_only_between_transactions(session, make_policy):
    s = session(make_policy(open_relay=True))
    assert s.conn.at_rest
    s.send("EHLO c\r\n")
    assert s.conn.at_rest
    s.send("MAIL FROM:<a@b.example>\r\n")
    assert not s.conn.at_rest
    s.send("RSET\r\nAUTH LOGIN\r\n")
    assert not s.conn.at_rest
