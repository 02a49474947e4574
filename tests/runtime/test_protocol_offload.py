"""Costly AUTH work leaves the protocol as an `Offload` event (sans-IO): SCRAM's PBKDF2 is never run by the
protocol itself; input that arrives meanwhile stays queued, and the exchange goes on once the driver hands
the answer back with `computed()`."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from test_sasl_scram_sha256 import client_final

from ecconf.runtime import replies
from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import MechanismSpec, SessionPolicy
from ecconf.runtime.events import FLUSH, NEED_DATA, PAUSED, AuthAttempted, Close, Event, Offload, Sentinel
from ecconf.runtime.protocol import SmtpConnection
from ecconf.runtime.sasl import scram_sha256
from ecconf.runtime.sasl.base import Costly, MechanismContext
from ecconf.runtime.state import State
from ecconf.runtime.stores import MemoryStore

USERS = {"alice": "s3cret"}
SCRAM = "SCRAM-SHA-256"


def scram_connection() -> SmtpConnection:
    policy = SessionPolicy(
        smtp_extensions=("ENHANCEDSTATUSCODES", "PIPELINING", f"AUTH {SCRAM}"),
        auth={SCRAM: MechanismSpec(SCRAM, "memory:users", log_authentication=True)},
    )
    creds = Credentials(base_dir=os.curdir)  # type: ignore[arg-type]
    creds.add("memory:users", MemoryStore(cleartext=USERS))
    return SmtpConnection(
        policy, "mx.test", creds, client=("192.0.2.7", 4000), clock=lambda: 1.7e9, random_bytes=os.urandom
    )


def pump(conn: SmtpConnection) -> tuple[list[Event | Sentinel], bytes]:
    """Events up to the first wait, and the bytes sent meanwhile."""
    events: list[Event | Sentinel] = []
    out = bytearray()
    while True:
        event = conn.next_event()
        out += conn.data_to_send()
        if event is FLUSH:
            continue
        events.append(event)
        if event in (NEED_DATA, PAUSED) or isinstance(event, (Offload, Close)):
            return events, bytes(out)


def to_proof(conn: SmtpConnection, password: str, pipelined: bytes = b"") -> Offload:
    """EHLO, AUTH with client-first, then the client-final (with `pipelined` bytes behind it)."""
    client_first = "n,,n=alice,r=c1i3nt"
    conn.receive_data(b"EHLO client.test\r\nAUTH " + SCRAM.encode() + b" " + base64.b64encode(client_first.encode()))
    conn.receive_data(b"\r\n")
    _, out = pump(conn)
    server_first = base64.b64decode(out.split(b"334 ")[1].split(b"\r\n")[0]).decode()
    final, _ = client_final(client_first, server_first, password)
    conn.receive_data(base64.b64encode(final.encode()) + b"\r\n" + pipelined)
    events, out = pump(conn)
    assert out == b"", "nothing is said before the proof is checked"
    assert isinstance(events[-1], Offload)
    return events[-1]


def test_the_pbkdf2_is_asked_for_and_pipelined_input_waits() -> None:
    conn = scram_connection()
    work = to_proof(conn, "wrong", pipelined=b"NOOP\r\n")
    assert work.function is scram_sha256.salted_password
    assert conn.state is State.COMPUTING
    # However often the driver asks, and whatever else arrives, nothing moves until the answer comes back.
    conn.receive_data(b"NOOP\r\n")
    assert pump(conn) == ([PAUSED], b"")
    conn.computed(work.function(*work.args))
    events, out = pump(conn)
    assert out == replies.AUTH_FAILED.render(True) + replies.OK.render(True) * 2
    assert [(e.success, e.penalised) for e in events if isinstance(e, AuthAttempted)] == [(False, True)]


def test_the_right_password_goes_on_once_the_work_is_done() -> None:
    conn = scram_connection()
    work = to_proof(conn, "s3cret")
    conn.computed(work.function(*work.args))
    _, out = pump(conn)
    assert out.startswith(b"334 "), out  # the server signature
    conn.receive_data(b"\r\nNOOP\r\n")
    events, out = pump(conn)
    assert out == replies.AUTH_OK.render(True) + replies.OK.render(True)
    assert [e.success for e in events if isinstance(e, AuthAttempted)] == [True]


def test_work_that_failed_is_a_temporary_failure() -> None:
    conn = scram_connection()
    to_proof(conn, "s3cret")
    conn.computed(None, MemoryError())
    _, out = pump(conn)
    assert out == replies.AUTH_TEMPORARY.render(True)
    assert conn.state is State.READY


def test_a_client_gone_meanwhile_abandons_the_exchange_and_the_answer_is_ignored() -> None:
    conn = scram_connection()
    work = to_proof(conn, "s3cret")
    conn.receive_data(b"")
    events, _ = pump(conn)
    assert [e.abandoned for e in events if isinstance(e, AuthAttempted)] == [True]
    assert isinstance(events[-1], Close)
    conn.computed(work.function(*work.args))  # the driver's answer finds nobody
    assert conn.data_to_send() == b""
    assert conn.state is State.CLOSED


def test_a_shutdown_meanwhile_ends_the_session() -> None:
    conn = scram_connection()
    to_proof(conn, "s3cret")
    conn.shutdown()
    conn.computed(b"\x00" * 32)
    assert conn.data_to_send().startswith(b"421 ")
    assert conn.state is State.CLOSED


def test_the_mechanism_asks_for_pbkdf2_rather_than_running_it(monkeypatch) -> None:
    ran: list[tuple[object, ...]] = []
    real: Callable[..., bytes] = scram_sha256.salted_password

    def counting(*args: object) -> bytes:
        ran.append(args)
        return real(*args)

    monkeypatch.setattr(scram_sha256, "salted_password", counting)
    store = MemoryStore(cleartext=USERS)
    mech = scram_sha256.ScramSha256Mechanism(store, MechanismContext("mx.test"), salts=lambda user: (b"s" * 16, 4096))
    first = "n,,n=alice,r=abc"
    server_first = mech.start(first.encode())
    final, _ = client_final(first, server_first.data.decode(), "s3cret")  # type: ignore[union-attr]
    step = mech.step(final.encode())
    assert isinstance(step, Costly) and ran == []
    assert step.args == ("s3cret", b"s" * 16, 4096)
    assert mech.step(b"") is not None and ran == []  # a step while the work is out ends the exchange
