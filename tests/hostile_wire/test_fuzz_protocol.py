"""Property test: random and mutated command sequences, randomly chunked, thrown at the sans-IO protocol.

Whatever arrives, SmtpConnection never raises, every reply line is `<3-digit code><SP or -><text>CRLF` with
multi-line replies sharing one code, and relaying (a 250 to RCPT for a foreign domain, a message handed to
the spool) never happens without a successful AUTH in the same TLS epoch, since this client is in no relay
rule. Bounded by max_examples so it runs in a few seconds.
"""

from __future__ import annotations

import base64
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runtime_harness import HOST, auth_policy, memory_credentials

from ecconf.runtime.events import NEED_DATA, PAUSED, AuthAttempted, Close, MessageReceived, StartTls
from ecconf.runtime.protocol import SmtpConnection


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


COMMANDS: list[bytes] = [
    b"EHLO client.example",
    b"HELO client.example",
    b"EHLO",
    b"MAIL FROM:<a@b.example>",
    b"MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME AUTH=<>",
    b"MAIL FROM:<>",
    b"RCPT TO:<victim@foreign.example>",
    b"RCPT TO:<postmaster>",
    b"DATA",
    b"Subject: x\r\n\r\nbody\r\n.",
    b".",
    b"..stuffed",
    b"RSET",
    b"NOOP",
    b"VRFY bob",
    b"HELP",
    b"QUIT",
    b"STARTTLS",
    b"EXPN list",
    b"AUTH PLAIN " + b64(b"\0alice\0s3cret"),
    b"AUTH PLAIN " + b64(b"\0alice\0wrong"),
    b"AUTH PLAIN " + b64(b"bob@example.org\0alice\0s3cret"),
    b"AUTH PLAIN",
    b"AUTH PLAIN =",
    b"AUTH PLAIN %%%",
    b"AUTH LOGIN",
    b"AUTH LOGIN " + b64(b"alice"),
    b"AUTH CRAM-MD5",
    b"AUTH DIGEST-MD5",
    b"AUTH NTLM",
    b"AUTH",
    b64(b"alice"),
    b64(b"s3cret"),
    b64(b"alice 0123456789abcdef0123456789abcdef"),
    b"*",
    b"=",
    b"GET / HTTP/1.1",
    b"\x00\xff\xfe binary",
    b"X" * 600,
    b"Y" * 13000,
]
LINE_ENDS = [b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r", b""]


AUTH_GOOD = b"AUTH PLAIN " + b64(b"\0alice\0s3cret")
# Well-formed skeletons that reach RCPT and DATA, so the mutations land where relaying is decided.
SCENARIOS: list[list[bytes]] = [
    [b"EHLO c", b"MAIL FROM:<a@b.example>", b"RCPT TO:<victim@foreign.example>", b"DATA", b"hi\r\n."],
    [b"EHLO c", AUTH_GOOD, b"MAIL FROM:<a@b.example>", b"RCPT TO:<v@foreign.example>", b"DATA", b"hi\r\n."],
    [b"EHLO c", b"AUTH PLAIN " + b64(b"\0alice\0wrong"), b"MAIL FROM:<a@b.example>", b"RCPT TO:<v@f.example>"],
    [b"EHLO c", b"AUTH LOGIN", b64(b"alice"), b64(b"s3cret"), b"MAIL FROM:<a@b.example>", b"RCPT TO:<v@f.example>"],
    [b"EHLO c", AUTH_GOOD, b"STARTTLS", b"EHLO c", b"MAIL FROM:<a@b.example>", b"RCPT TO:<v@f.example>"],
    [b"HELO c", b"MAIL FROM:<a@b.example>", b"RCPT TO:<v@f.example>", b"DATA", b"x\n.\nRCPT TO:<w@f.example>"],
]


def mutate(draw: st.DrawFn, line: bytes) -> bytes:
    mutation = draw(st.integers(0, 9))
    if mutation == 1 and line:
        line = line.swapcase()
    elif mutation == 2 and line:
        line = line[: draw(st.integers(0, len(line)))]
    elif mutation == 3:
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.binary(min_size=1, max_size=4)) + line[at:]
    ending = draw(st.sampled_from(LINE_ENDS)) if mutation == 4 else b"\r\n"
    return line + ending


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    line = draw(st.sampled_from(COMMANDS)) if draw(st.integers(0, 9)) else draw(st.binary(max_size=40))
    return mutate(draw, line)


@st.composite
def actions(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    """A scenario with mutated lines, random commands, timeouts and an end of stream mixed in."""
    steps = [("data", mutate(draw, line)) for line in draw(st.sampled_from(SCENARIOS))]
    extras = draw(st.lists(st.one_of(mutated().map(lambda d: ("data", d)), st.just(("timeout", b""))), max_size=25))
    for extra in extras:
        steps.insert(draw(st.integers(0, len(steps))), extra)
    if draw(st.integers(0, 9)) == 0:
        steps.insert(draw(st.integers(0, len(steps))), ("eof", b""))
    return steps


POLICIES = st.fixed_dictionaries(
    {
        "bare_lf": st.sampled_from(["accept", "reject"]),
        "max_message_size": st.sampled_from([0, 40, 100_000]),
        "max_unknown_commands": st.integers(1, 12),
        "max_auth_failures": st.integers(3, 5),
        "tls_certificate": st.sampled_from([None, "cert.pem"]),
        "tls_key": st.just("key.pem"),
        "smtp_extensions": st.sampled_from(
            [
                ("ENHANCEDSTATUSCODES", "PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5"),
                ("AUTH PLAIN",),
                ("PIPELINING",),
            ]
        ),
    }
)
REPLY_LINE = re.compile(rb"([2-5][0-9][0-9])([ -])[^\r\n]*\r\n")


class Checker:
    """Drives the connection like a server would and checks every byte it answers."""

    def __init__(self, conn: SmtpConnection) -> None:
        self.conn = conn
        self.authenticated = False  # a 235 was sent since the last TLS start
        self.pending_code: bytes | None = None  # inside a multi-line reply

    def pump(self) -> None:
        for _ in range(100_000):
            event = self.conn.next_event()
            self.check(self.conn.data_to_send())
            if event is NEED_DATA or event is PAUSED:
                return
            if isinstance(event, MessageReceived):
                assert event.envelope.context.can_relay and self.authenticated, "message accepted without AUTH"
                self.conn.message_stored(event.envelope.queue_id)
            elif isinstance(event, StartTls):
                self.check(self.conn.data_to_send())
                self.conn.tls_started()
                self.authenticated = False  # RFC 3207: everything learnt before the handshake is forgotten
            elif isinstance(event, AuthAttempted):
                assert event.delay >= 0
            else:
                assert isinstance(event, Close) or event is not None
        raise AssertionError("the protocol never asked for more input")

    def check(self, out: bytes) -> None:
        pos = 0
        while pos < len(out):
            match = REPLY_LINE.match(out, pos)
            assert match, f"not a reply line: {out[pos : pos + 80]!r}"
            code, sep = match.group(1), match.group(2)
            assert self.pending_code in (None, code), "a multi-line reply changed its code"
            self.pending_code = code if sep == b"-" else None
            line = match.group(0)
            if code == b"235":
                self.authenticated = True
            if line.startswith(b"250 2.1.5"):
                assert self.authenticated, "RCPT for a foreign domain accepted without AUTH"
            pos = match.end()
        assert self.pending_code is None, "a multi-line reply was cut off"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=POLICIES,
    steps=actions(),
    cuts=st.lists(st.integers(1, 64), max_size=8),
)
def test_random_sessions_never_crash_never_garble_and_never_relay_without_auth(policy, steps, cuts):
    conn = SmtpConnection(
        auth_policy(**policy),
        HOST,
        memory_credentials(),
        client=("192.0.2.7", 40000),
        clock=lambda: 1_700_000_000.0,
        random_bytes=lambda n: bytes(range(n)),
    )
    checker = Checker(conn)
    checker.pump()
    for kind, data in steps:
        if kind == "timeout":
            conn.timeout()
        elif kind == "eof":
            conn.receive_data(b"")
        else:
            pieces, start = [], 0
            for size in cuts or [len(data) or 1]:  # random chunking, the rest in one piece
                pieces.append(data[start : start + size])
                start += size
            pieces.append(data[start:])
            for piece in filter(None, pieces):
                conn.receive_data(piece)
                checker.pump()
        checker.pump()
