"""What ecconf's sans-IO SMTP protocol alone costs per session: no sockets, no event loop, no disk.

Rule of this room: one in-process measurement that explains the server figures. A whole session (EHLO,
AUTH with each mechanism through the same SASL client the load client uses, MAIL, RCPT, 1 KiB DATA, QUIT)
is fed to runtime.protocol.SmtpConnection as the server feeds it, and answered as the server answers its
events (the message counted as stored, the AUTH verdict let out), against the bench's real password files.
The server's sessions/s on one core set what a whole session may cost; this says how much of that the
protocol takes, the rest being the event loop, the kernel's sockets and the disk thread.
"""

from __future__ import annotations

import base64
import os
import statistics
import tempfile
import time
from pathlib import Path

from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import MechanismSpec, SessionPolicy
from ecconf.runtime.events import NEED_DATA, AuthAttempted, AuthVerdict, Close, MessageReceived
from ecconf.runtime.protocol import SmtpConnection

from . import servers
from .sasl_client import client
from .smtp_load import message

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5")


def _policy() -> SessionPolicy:
    def spec(mechanism: str) -> MechanismSpec:
        if mechanism == "DIGEST-MD5":
            return MechanismSpec(mechanism, "digest:htdigest", realm=servers.REALM, log_authentication=True)
        return MechanismSpec(mechanism, "file:passwd", log_authentication=True)

    return SessionPolicy(
        smtp_extensions=("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "AUTH " + " ".join(MECHANISMS)),
        auth={m: spec(m) for m in MECHANISMS},
        max_message_size=10 * 1024 * 1024,
    )


class _Session:
    """One client's dialogue, answered as the server answers the protocol's events."""

    def __init__(self, policy: SessionPolicy, credentials: Credentials) -> None:
        self.conn = SmtpConnection(
            policy, "mx.bench.test", credentials, client=("127.0.0.1", 40000), clock=time.time, random_bytes=os.urandom
        )
        self.greeting = self.conn.data_to_send()

    def say(self, data: bytes) -> bytes:
        """Feed `data` and answer the events it raises, as the server's session pump does; the replies."""
        conn = self.conn
        conn.receive_data(data)
        while (event := conn.next_event()) is not NEED_DATA and not isinstance(event, Close):
            if isinstance(event, MessageReceived):
                conn.message_stored(event.envelope.queue_id)
            elif not isinstance(event, (AuthAttempted, AuthVerdict)):
                raise RuntimeError(f"unexpected event {event!r}")
        return conn.data_to_send()


def one_session(policy: SessionPolicy, credentials: Credentials, mechanism: str, body: bytes) -> float:
    """Run one session; returns the seconds the SASL *client* spent in it (the load client's work, not ours)."""
    session = _Session(policy, credentials)
    session.say(b"EHLO load.example.test\r\n")
    started = time.process_time()
    sasl = client(mechanism, servers.USER, servers.PASSWORD)
    first = sasl.initial()
    command = b"AUTH " + sasl.name.encode()
    if first is not None:
        command += b" " + (base64.b64encode(first) if first else b"=")
    client_time = time.process_time() - started
    reply = session.say(command + b"\r\n")
    while reply.startswith(b"334"):
        started = time.process_time()
        answer = base64.b64encode(sasl.respond(base64.b64decode(reply[4:].strip()))) + b"\r\n"
        client_time += time.process_time() - started
        reply = session.say(answer)
    if not reply.startswith(b"235"):
        raise RuntimeError(f"{mechanism}: AUTH failed: {reply!r}")
    session.say(b"MAIL FROM:<bench@example.test>\r\n")
    session.say(b"RCPT TO:<sink@example.org>\r\n")
    session.say(b"DATA\r\n")
    if not session.say(body + b".\r\n").startswith(b"250"):
        raise RuntimeError(f"{mechanism}: the message was not accepted")
    session.say(b"QUIT\r\n")
    return client_time


def measure(sessions: int = 2000, rounds: int = 5) -> dict[str, float]:
    """Microseconds of protocol work per whole session, by mechanism (median of `rounds` runs)."""
    body = message(1024)
    policy = _policy()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ecconf-protocol-") as tmp:
        folder = Path(tmp)
        servers.write_users(folder)
        credentials = Credentials(folder)
        credentials.open_all(policy.auth.values())
        for mechanism in MECHANISMS:
            for _ in range(sessions // 10):  # warm up
                one_session(policy, credentials, mechanism, body)
            samples = []
            for _ in range(rounds):
                client_time = 0.0
                started = time.process_time()
                for _ in range(sessions):
                    client_time += one_session(policy, credentials, mechanism, body)
                samples.append((time.process_time() - started - client_time) / sessions * 1e6)
            out[mechanism] = statistics.median(samples)
    return out


if __name__ == "__main__":
    for name, micros in measure().items():
        print(f"{name:12} {micros:6.1f} us per session")
