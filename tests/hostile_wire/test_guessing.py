"""Password guessing from one address over loopback: many parallel sessions share one rate, nobody behind
that address waits longer than the cap, and a right guess is held exactly like a wrong one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import sasl_client

BASE, CAP = 0.1, 0.3
# No per-address session cap: these guessers all come from 127.0.0.1, and a cap of 20 would refuse some of
# them at the banner (as soon as more than 20 sessions overlap), which is not what these tests measure.
POLICY = {
    "auth_penalty_base": BASE,
    "auth_penalty_cap": CAP,
    "auth_failure_delay": 0.0,
    "max_connections_per_address": 0,
}


def _reply(reader) -> bytes:
    line = reader.readline()
    while line[3:4] == b"-":
        line = reader.readline()
    return line


def _plain_guess(port: int, password: str) -> tuple[bytes, float]:
    """One session, one AUTH PLAIN guess: the answer and how long it took (the socket gives up at 5 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        reader = sock.makefile("rb")
        _reply(reader)
        sock.sendall(b"EHLO guesser\r\n")
        _reply(reader)
        blob = base64.b64encode(f"\0alice\0{password}".encode()).decode()
        started = time.monotonic()
        sock.sendall(f"AUTH PLAIN {blob}\r\n".encode())
        try:
            answer = _reply(reader)
        except TimeoutError:
            answer = b"(no answer)"
        return answer, time.monotonic() - started


def test_parallel_guessers_cannot_push_the_wait_past_the_cap(run_server, make_config):
    # The finding: 50 sessions failing for 30 s held that address's next answer 30 976 s.
    running = run_server(make_config(listener_values=POLICY))
    stop = time.monotonic() + 1.0
    results: list[tuple[bytes, float]] = []
    lock = threading.Lock()

    def guesser() -> None:
        while time.monotonic() < stop:
            result = _plain_guess(running.port, "wrong")
            with lock:
                results.append(result)

    with ThreadPoolExecutor(20) as pool:
        for _ in range(20):
            pool.submit(guesser)
    answers = [answer[:3] for answer, _ in results]
    assert set(answers) <= {b"535", b"421"}, set(answers)  # every guess answered: a verdict or a refusal
    assert max(took for _, took in results) < CAP + 1.0  # nobody held past the cap (generous margin)
    assert answers.count(b"535") <= 2 + 1.0 / BASE  # the verdicts came at the address's rate
    assert b"421" in answers
    answer, took = _plain_guess(running.port, "s3cret")  # the next client behind that address
    assert answer[:3] in (b"235", b"421") and took < CAP + 1.0


# ----- every mechanism: the answer that tells a right guess from a wrong one is held alike -----

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-256")


class _Scram:
    """The client side of SCRAM-SHA-256 (RFC 5802 §3), enough to guess with."""

    name = "SCRAM-SHA-256"

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.first = f"n,,n={user},r={base64.b64encode(os.urandom(12)).decode()}"

    def initial(self) -> bytes | None:
        return self.first.encode()

    def respond(self, challenge: bytes) -> bytes:
        if challenge.startswith(b"v="):
            return b""
        attrs = dict(item.split("=", 1) for item in challenge.decode().split(","))
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        auth_message = f"{self.first[3:]},{challenge.decode()},{without_proof}".encode()
        signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


def _client(mechanism: str, password: str):
    if mechanism == "SCRAM-SHA-256":
        return _Scram("alice", password)
    return sasl_client.client(mechanism, "alice", password)


def _is_verdict(mechanism: str, line: bytes, step: int) -> bool:
    """Whether this reply tells right from wrong: any final reply, or the 334 that proves the server knows
    the password (DIGEST-MD5 rspauth, SCRAM server-final)."""
    if not line.startswith(b"334 "):
        return True
    data = base64.b64decode(line[4:].strip())
    return data.startswith((b"rspauth=", b"v="))


def guess(port: int, mechanism: str, password: str) -> tuple[bytes, float]:
    """One session, one guess with any mechanism: the verdict reply and how long it took after the client's
    last message (the socket gives up at 5 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        reader = sock.makefile("rb")
        _reply(reader)
        sock.sendall(b"EHLO guesser\r\n")
        _reply(reader)
        mech = _client(mechanism, password)
        initial = mech.initial()
        line = f"AUTH {mechanism}" + (f" {base64.b64encode(initial).decode()}" if initial is not None else "")
        step = 0
        while True:
            started = time.monotonic()
            sock.sendall(line.encode() + b"\r\n")
            try:
                answer = _reply(reader)
            except TimeoutError:
                return b"(no answer)", time.monotonic() - started
            if _is_verdict(mechanism, answer, step):
                return answer, time.monotonic() - started
            line = base64.b64encode(mech.respond(base64.b64decode(answer[4:].strip()))).decode()
            step += 1


def _config(make_config, **policy):
    return make_config(mechanisms=MECHANISMS, listener_values=policy)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_right_guess_is_held_like_a_wrong_one(run_server, make_config, mechanism):
    # The finding: DIGEST-MD5 and SCRAM answered a right guess (334 rspauth / v=) at once, only wrong
    # guesses were held: 52 800 guesses a minute, the password found in 3.5 s.
    running = run_server(_config(make_config, auth_penalty_base=0.3, auth_penalty_cap=1.0, auth_failure_delay=0))
    answer, _ = guess(running.port, mechanism, "wrong")
    assert answer.startswith(b"535 ")  # the first failure is answered at once...
    failed_at = time.monotonic()
    answer, _ = guess(running.port, mechanism, "s3cret")
    assert answer.startswith((b"235 ", b"334 "))
    assert time.monotonic() - failed_at >= 0.2  # ...and the right guess after it waits its turn, as a wrong would


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_fifty_parallel_guessers_get_the_penalty_rate(run_server, make_config, mechanism):
    running = run_server(_config(make_config, **POLICY))
    window = 1.0
    stop = time.monotonic() + window
    results: list[tuple[bytes, float]] = []
    lock = threading.Lock()

    def guesser(password: str) -> None:
        while time.monotonic() < stop:
            result = guess(running.port, mechanism, password)
            with lock:
                results.append(result)
            if password != "wrong":
                return

    with ThreadPoolExecutor(51) as pool:
        for _ in range(50):
            pool.submit(guesser, "wrong")
        pool.submit(guesser, "s3cret")  # one right guess among them
    verdicts = [answer for answer, _ in results if not answer.startswith(b"421 ")]
    assert all(answer.startswith((b"535 ", b"235 ", b"334 ")) for answer in verdicts), set(verdicts)
    assert max(took for _, took in results) < CAP + 1.0  # nobody held past the cap (generous margin)
    # The slots the penalty grants in the window (and the cap after it): 0, base, base + cap, ... (+ slack).
    slots = 2 + (window + CAP - BASE) / CAP
    assert len(verdicts) <= slots + 2, f"{len(verdicts) / window * 60:.0f} guesses a minute"
