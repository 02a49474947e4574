"""Every session scenario over every way a session runs: plain, after STARTTLS, under implicit TLS (Use_SSL), and
with a client that never reads its replies. One driver serves them all (runtime/session_driver.py); this
matrix is what keeps the four from drifting apart.

A scenario is what the client says, the replies it expects, how the session ends (QUIT, Idle_Time, the
client hanging up mid-DATA) and what the server keeps of it: the spool, the accounting log, the freed slot
and the memory budget given back. The silent client says the same at once on a small receive window and
then a flood of EHLOs whose replies it never takes: the server must carry out what came first, then give up
on it after Idle_Time (the drain wait, logged as a TimeoutError), freeing its slot.
"""

from __future__ import annotations

import base64
import logging
import socket
import ssl
from dataclasses import dataclass
from typing import Any, BinaryIO

import pytest
from serving import silent_flood

IDLE = 1.0  # Idle_Time: how long the server waits for a silent client, and for one that does not read
GOOD = b"AUTH PLAIN " + base64.b64encode(b"\0alice\0s3cret") + b"\r\n"
BAD = b"AUTH PLAIN " + base64.b64encode(b"\0alice\0wrong") + b"\r\n"
MAIL = b"MAIL FROM:<alice@b.example>\r\n"
RCPT = b"RCPT TO:<x@y.example>\r\n"
BODY = b"Subject: matrix\r\n\r\nHello from the matrix.\r\n"
FLOOD = b"EHLO client.example\r\n" * 50_000  # about 6 MB of replies: far more than the socket buffers hold
SETTLE = 1000  # wait_until rounds (10 s): a session's end is waited for, never slept for


@dataclass(frozen=True)
class Scenario:
    steps: tuple[tuple[bytes, tuple[int, ...]], ...]  # what the client sends after EHLO, the replies it gets
    ending: str  # "quit" (QUIT, 221), "idle" (silent until the 421) or "hangup" (closes its socket)
    spooled: int = 0  # messages in the spool afterwards
    accounted: tuple[str, ...] = ()  # the accounting log's lines, by outcome: "1" success, "0" failure


SCENARIOS = {
    "auth-plain": Scenario(((GOOD, (235,)),), "quit", accounted=("1",)),
    "auth-failure": Scenario(((BAD, (535,)),), "quit", accounted=("0",)),
    "message": Scenario(
        ((GOOD, (235,)), (MAIL, (250,)), (RCPT, (250,)), (b"DATA\r\n", (354,)), (BODY + b".\r\n", (250,))),
        "quit",
        spooled=1,
        accounted=("1",),
    ),
    "pipelined": Scenario(
        ((GOOD, (235,)), (MAIL + RCPT + RCPT + b"DATA\r\n" + BODY + b".\r\nNOOP\r\n", (250, 250, 250, 354, 250, 250))),
        "quit",
        spooled=1,
        accounted=("1",),
    ),
    "quit": Scenario((), "quit"),
    "idle-timeout": Scenario(((b"NOOP\r\n", (250,)),), "idle"),
    "gone-mid-data": Scenario(
        ((GOOD, (235,)), (MAIL, (250,)), (RCPT, (250,)), (b"DATA\r\n", (354,)), (BODY, ())),
        "hangup",
        accounted=("1",),
    ),
}
MODES = ("plain", "starttls", "implicit-tls", "never-reads")


class Client:
    """One client on loopback, past its EHLO: in clear, after STARTTLS, or in implicit TLS from the start."""

    def __init__(self, port: int, mode: str, context: ssl.SSLContext) -> None:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock: socket.socket = raw
        if mode == "implicit-tls":
            self.sock = context.wrap_socket(raw, server_hostname="mx.test")
        self.reader: BinaryIO = self.sock.makefile("rb")
        assert self.replies(1) == [220]
        self.say(b"EHLO client.example\r\n", (250,))
        if mode == "starttls":
            self.say(b"STARTTLS\r\n", (220,))
            self.reader.close()  # nothing follows the 220 in clear: the reader holds nothing back
            self.sock = context.wrap_socket(raw, server_hostname="mx.test")
            self.reader = self.sock.makefile("rb")
            self.say(b"EHLO client.example\r\n", (250,))

    def replies(self, count: int) -> list[int]:
        """The codes of the next `count` whole replies (multi-line ones count once)."""
        codes = []
        while len(codes) < count:
            line = self.reader.readline()
            assert line, f"closed after {codes}"
            if line[3:4] != b"-":
                codes.append(int(line[:3]))
        return codes

    def say(self, data: bytes, expect: tuple[int, ...]) -> None:
        self.sock.sendall(data)
        assert self.replies(len(expect)) == list(expect)

    def closed_by_server(self) -> bool:
        """Whether the server closes the connection now (end of stream, or a TLS connection torn down)."""
        try:
            return self.reader.read() == b""
        except (ConnectionError, ssl.SSLError):
            return True

    def hang_up(self) -> None:
        self.reader.close()
        self.sock.close()


@pytest.fixture
def serve(run_server: Any, make_config: Any, tls_files: dict[str, Any]) -> Any:
    def start(mode: str) -> Any:
        words = ("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "AUTH PLAIN")
        if mode == "starttls":
            words = (*words, "STARTTLS")
        values = {
            **tls_files,
            "smtp_extensions": words,
            "idle_time": IDLE,
            "auth_failure_delay": 0.0,
            "use_ssl": mode == "implicit-tls",
        }
        return run_server(make_config(listener_values=values, mechanisms=("PLAIN",)))

    return start


def _converse(running: Any, mode: str, scenario: Scenario, context: ssl.SSLContext) -> None:
    client = Client(running.port, mode, context)
    for data, expect in scenario.steps:
        client.say(data, expect)
    if scenario.ending == "quit":
        client.say(b"QUIT\r\n", (221,))
        assert client.closed_by_server()
    elif scenario.ending == "idle":
        assert client.replies(1) == [421]  # Idle_Time without a word from the client
        assert client.closed_by_server()
    else:
        client.hang_up()


def _never_read(running: Any, scenario: Scenario, caplog: pytest.LogCaptureFixture) -> None:
    said = b"EHLO client.example\r\n" + b"".join(data for data, _ in scenario.steps) + FLOOD
    if scenario.ending == "quit":
        said += b"QUIT\r\n"  # behind replies the client never takes: never reached
    sock, flood = silent_flood(running.port, said)
    if scenario.ending == "hangup":  # the flood is message content: no reply piles up, the client just leaves
        assert running.wait_until(lambda: running.server.memory.used > 0, SETTLE)  # in DATA, content coming in
    else:  # the session ends waiting for the client to take its replies
        assert running.wait_until(lambda: _drain_gave_up(caplog), SETTLE)
    flood.join(30)
    sock.close()


def _drain_gave_up(caplog: pytest.LogCaptureFixture) -> bool:
    return sum("ended: TimeoutError" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_session_scenario(serve: Any, client_context: ssl.SSLContext, caplog: Any, mode: str, name: str) -> None:
    scenario = SCENARIOS[name]
    running = serve(mode)
    caplog.set_level(logging.INFO, logger="ecconf.runtime.server")
    if mode == "never-reads":
        _never_read(running, scenario, caplog)
    else:
        _converse(running, mode, scenario, client_context)
    server, listener = running.server, running.config.listeners[0].name
    assert running.wait_until(lambda: server.active_sessions(listener) == 0 and not server._sessions, SETTLE)
    assert running.wait_until(lambda: server.memory.used == 0, SETTLE)  # a message cut off gives its share back
    stored = running.maildir_messages()
    assert len(stored) == scenario.spooled
    assert all("Hello from the matrix." in message for message in stored)
    log = running.config.acctlog_path
    lines = log.read_text().splitlines() if log.exists() else []
    assert [line.rpartition("@")[2] for line in lines] == list(scenario.accounted)
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failed == []
