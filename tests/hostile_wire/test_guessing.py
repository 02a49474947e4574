"""Password guessing from one address over loopback: many parallel sessions share one rate, nobody behind
that address waits longer than the cap, and a right guess is held exactly like a wrong one."""

from __future__ import annotations

import base64
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

BASE, CAP = 0.1, 0.3
POLICY = {"auth_penalty_base": BASE, "auth_penalty_cap": CAP, "auth_failure_delay": 0.0}


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
