"""No session may hold the event loop: a client that pipelines a flood of commands is answered a bounded
amount at a time, and every other client gets its banner and its answers meanwhile, on asyncio and uvloop.
The server is a real `ecconf serve` process, so the clients here do not share its interpreter."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import serving, write_config

BURST = b"NOOP\r\n" * 10_000
MAX_FLOOD = 3000  # bursts: at most 180 MB, sent only while the other client is still in its session
BOUND = 1.5  # seconds for another client's whole session; a session that holds the loop takes many times that


def _loops() -> list[object]:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio", pytest.param("uvloop", marks=pytest.mark.skip(reason="uvloop is not installed"))]
    return ["asyncio", "uvloop"]


@pytest.fixture(params=_loops())
def port(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[int]:
    # A huge junk budget: this is about the loop's time, not about counting commands.
    config = write_config(tmp_path, extensions=("PIPELINING",), listener="Max_Unknown_Commands = 1000000000")
    with serving(config, "--loop", request.param, "--log-level", "WARNING") as served:
        yield served.port


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(1 << 16):
            pass
    except OSError:
        pass


def _blast(sock: socket.socket, drain: threading.Thread, flooding: threading.Event, done: threading.Event) -> None:
    try:
        for n in range(MAX_FLOOD):
            sock.sendall(BURST)
            if n == 10 and not drain.is_alive():  # 600 kB unread: the server had to wait for the client
                drain.start()
            if n == 100:  # 6 MB in: the server is busy with the flood now
                flooding.set()
            if done.is_set():
                return
    except OSError:
        pass
    finally:
        flooding.set()


def _other_session(port: int) -> tuple[float, float]:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as other:
        reader = other.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        banner = time.monotonic() - started
        other.sendall(b"EHLO other\r\n")
        while (line := reader.readline())[3:4] == b"-":
            pass
        assert line.startswith(b"250 ")
        other.sendall(b"QUIT\r\n")
        assert reader.readline().startswith(b"221 ")
    return banner, time.monotonic() - started


@pytest.mark.parametrize("reads", ["reads-along", "reads-late"])
def test_a_pipelining_flood_does_not_starve_other_sessions(port: int, reads: str) -> None:
    flood = socket.socket()
    if reads == "reads-late":  # replies pile up first: the session waits for the client in a task (parked)
        flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    flood.settimeout(60)
    flood.connect(("127.0.0.1", port))
    drain = threading.Thread(target=_drain, args=(flood,), daemon=True)
    if reads == "reads-along":
        drain.start()
    flooding, done = threading.Event(), threading.Event()
    sender = threading.Thread(target=_blast, args=(flood, drain, flooding, done), daemon=True)
    sender.start()
    assert flooding.wait(60)
    try:
        banner, whole = _other_session(port)
        still_flooding = sender.is_alive()
    finally:
        done.set()
        flood.close()
        sender.join(60)
        drain.join(60)
    assert still_flooding, "the flood ended before the other session did: make it bigger"
    assert whole < BOUND, f"another client waited {banner:.2f} s for its banner, {whole:.2f} s in all"
