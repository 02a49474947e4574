"""SCRAM's PBKDF2 runs in the server's compute threads, never on its event loop: while one session's key
derivation is under way (or four guessing clients keep them busy), another session is answered at once.
Real sockets on loopback against a server in its own event-loop thread."""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from test_sasl_scram_sha256 import client_final

from ecconf.runtime.config import ServerConfig
from ecconf.runtime.sasl import scram_sha256

SCRAM = "SCRAM-SHA-256"
ANSWERED_WITHIN = 0.5  # seconds; a loop busy with key derivations takes many times that


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")
        assert self.reader.readline().startswith(b"220 ")
        self.command(b"EHLO client.test")

    def command(self, line: bytes) -> bytes:
        self.sock.sendall(line + b"\r\n")
        return self.reply()

    def reply(self) -> bytes:
        lines = [self.reader.readline()]
        while lines[-1][3:4] == b"-":
            lines.append(self.reader.readline())
        return b"".join(lines)

    def scram_to_proof(self, password: str) -> None:
        """AUTH SCRAM-SHA-256 up to the client-final, sent; its answer is still to be read."""
        first = "n,,n=alice,r=" + base64.b64encode(threading.current_thread().name.encode()).decode()
        reply = self.command(f"AUTH {SCRAM} {base64.b64encode(first.encode()).decode()}".encode())
        assert reply.startswith(b"334 "), reply
        final, _ = client_final(first, base64.b64decode(reply[4:].strip()).decode(), password)
        self.sock.sendall(base64.b64encode(final.encode()) + b"\r\n")

    def round_trip(self, line: bytes = b"NOOP") -> float:
        started = time.monotonic()
        assert self.command(line).startswith(b"250"), line
        return time.monotonic() - started

    def close(self) -> None:
        self.reader.close()  # the socket's file descriptor is only closed once its file object is too
        self.sock.close()


@pytest.fixture
def scram_server(make_config: Callable[..., ServerConfig], run_server: Callable[..., Any]) -> Callable[..., Any]:
    def start(**listener_values: object) -> Any:
        return run_server(make_config(mechanisms=("PLAIN", SCRAM), listener_values=listener_values))

    return start


def test_a_session_is_answered_while_a_key_derivation_is_under_way(
    scram_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The derivation is held open until the other session's NOOP has been answered: run on the loop, it
    would hold the loop too, and the NOOP would wait for it."""
    entered, release = threading.Event(), threading.Event()
    real = scram_sha256.salted_password

    def held(password: str, salt: bytes, iterations: int) -> bytes:
        entered.set()
        release.wait(5)
        return real(password, salt, iterations)

    monkeypatch.setattr(scram_sha256, "salted_password", held)
    server = scram_server()
    guesser, other = Client(server.port), Client(server.port)
    try:
        guesser.scram_to_proof("wrong")
        assert entered.wait(5), "the key derivation never started"
        other.sock.settimeout(2)
        took = other.round_trip()
        assert not release.is_set()
        assert took < ANSWERED_WITHIN, f"NOOP answered after {took:.2f} s, during a key derivation"
    finally:
        release.set()
    assert guesser.reply().startswith(b"535 5.7.8")
    guesser.close()
    other.close()


def _iterations_for(seconds: float) -> int:
    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"calibrate", b"s" * 16, 50_000)
    per_iteration = (time.perf_counter() - started) / 50_000
    return max(4096, int(seconds / per_iteration))


def test_four_guessing_clients_do_not_slow_a_good_one_down(
    scram_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One derivation takes about 0.2 s; without a penalty the guessers keep the compute threads busy.
    monkeypatch.setattr(scram_sha256, "DEFAULT_SALTS", scram_sha256.DerivedSalts(iterations=_iterations_for(0.2)))
    server = scram_server(auth_failure_delay=0.0, auth_penalty_base=0.0)
    stop, guesses = threading.Event(), []

    def guess() -> None:
        while not stop.is_set():
            client = Client(server.port)  # two guesses a session: under max_auth_failures, no 421 to read
            try:
                for _ in range(2):
                    client.scram_to_proof("wrong")
                    guesses.append(client.reply()[:3])
            finally:
                client.close()

    good = Client(server.port)
    threads = [threading.Thread(target=guess, name=f"guesser-{n}", daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        times = []
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline or len(guesses) < 8:
            times.append(good.round_trip(b"EHLO good.test"))  # not NOOP: thousands of those end a session
            if time.monotonic() > deadline + 10:
                break
        plain = base64.b64encode(b"\0alice\0s3cret").decode()
        started = time.monotonic()
        assert good.command(f"AUTH PLAIN {plain}".encode()).startswith(b"235 ")
        times.append(time.monotonic() - started)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        good.close()
    assert len(guesses) >= 8, "the guessers did not get going"
    assert set(guesses) == {b"535"}
    assert max(times) < ANSWERED_WITHIN, f"the good client waited up to {max(times):.2f} s ({len(guesses)} guesses)"


def test_work_for_a_client_that_has_gone_is_dropped_unrun(
    scram_server: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both compute threads are kept busy; a third client's derivation waits its turn, and its client
    leaves: the derivation never runs, so guessers that hang up cannot pile work up for nobody."""
    started, release = threading.Semaphore(0), threading.Event()
    ran: list[str] = []
    real = scram_sha256.salted_password

    def held(password: str, salt: bytes, iterations: int) -> bytes:
        ran.append(password)
        started.release()
        release.wait(5)
        return real(password, salt, iterations)

    monkeypatch.setattr(scram_sha256, "salted_password", held)
    server = scram_server()
    gone = threading.Event()
    forget = server.server.forget

    def forgetting(link: object) -> None:
        forget(link)
        gone.set()

    monkeypatch.setattr(server.server, "forget", forgetting)
    busy = [Client(server.port) for _ in range(2)]
    leaver = Client(server.port)
    try:
        for client in busy:
            client.scram_to_proof("wrong")
            assert started.acquire(timeout=5), "a key derivation never started"
        leaver.scram_to_proof("wrong")
        # Hung up for good (a reset): a client that only half-closes may still read its verdict.
        leaver.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        leaver.close()
        assert gone.wait(5), "the server never saw the client go"
    finally:
        release.set()
    for client in busy:
        assert client.reply().startswith(b"535 5.7.8")
        client.close()
    assert len(ran) == 2
