"""`ecconf serve --workers N`: N processes share each listening socket; signals reach them all."""

from __future__ import annotations

import base64
import re
import signal
import smtplib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Served, connect, dialogue, hang_up, serving, write_config

REPLACED = re.compile(r"worker (\d+) exited \(status -9\); starting another")
SERVING_INSTEAD = re.compile(r"worker (\d+) serving in place of worker (\d+)")
OVER_CAP = b"421 4.4.5 Service unavailable, concurrency limit reached.\r\n"


def workers_config(folder: Path, listener: str = "") -> Path:
    return write_config(folder, listener=listener, listens=("127.0.0.1:0", str(folder / "smtp.sock")))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(workers_config(tmp_path), "--workers", "2", "--loop", "asyncio", listens=2) as running:
        yield running


def send(host: str, port: int, subject: str) -> None:
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.login("carol", "s3cret-pass")
        client.sendmail("carol@mx.test", ["dave@example.org"], f"Subject: {subject}\r\n\r\nbody\r\n".encode())


def send_over_unix(path: str) -> bytes:
    with socket.socket(socket.AF_UNIX) as raw:
        raw.settimeout(10)
        raw.connect(path)
        reader = raw.makefile("rb")
        auth = base64.b64encode(b"\0carol\0s3cret-pass")
        raw.sendall(b"EHLO c\r\nAUTH PLAIN " + auth + b"\r\nMAIL FROM:<c@mx.test>\r\nRCPT TO:<d@example.org>\r\n")
        raw.sendall(b"DATA\r\nSubject: unix\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        return reader.read()


def stored_by(spool: Path, before: set[Path]) -> set[str]:
    """The pids of the workers that stored the messages not in `before`. Maildir names carry the pid of
    the process that stored the message: "<time>.P<pid>Q<n>R<id>.<host>"."""
    return {re.search(r"\.P(\d+)Q", p.name).group(1) for p in set((spool / "new").iterdir()) - before}  # type: ignore[union-attr]


def test_workers_share_the_sockets_and_stop_together(served: Served, tmp_path: Path) -> None:
    assert served.addresses == [served.addresses[0], str(tmp_path / "smtp.sock")]  # one line per Listen
    host, port = served.tcp
    spool = tmp_path / "spool"
    for serving_one in served.workers():
        before = set((spool / "new").iterdir())
        with served.only(serving_one):
            for n in range(3):
                send(host, port, f"m{n}")
            assert send_over_unix(str(tmp_path / "smtp.sock")).endswith(b"221 2.0.0 mx.test closing connection\r\n")
        assert stored_by(spool, before) == {serving_one}  # each worker accepts on both sockets
    assert len(list((spool / "new").iterdir())) == 8
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=2)


def test_a_killed_worker_is_replaced(served: Served, tmp_path: Path) -> None:
    host, port = served.tcp
    spool = tmp_path / "spool"
    victim, survivor = served.workers()
    served.proc.send_signal(signal.SIGCHLD)  # a stray signal changes nothing
    subprocess.run(["kill", "-KILL", victim], check=True)
    assert served.wait_for(REPLACED).group(1) == victim
    replacement, replaced = served.wait_for(SERVING_INSTEAD).groups()  # accepting from here on
    assert replaced == victim and set(served.workers()) == {survivor, replacement}
    for serving_one in (replacement, survivor):
        before = set((spool / "new").iterdir())
        with served.only(serving_one):
            for n in range(3):
                send(host, port, f"after{n}")
        assert stored_by(spool, before) == {serving_one}
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0


def test_sighup_reaches_every_worker_and_the_reload_is_said_once(tmp_path: Path) -> None:
    args = ("--workers", "2", "--loop", "asyncio", "--log-level", "DEBUG")
    with serving(workers_config(tmp_path), *args, listens=2) as served:
        served.proc.send_signal(signal.SIGHUP)
        worker_reloaded = re.compile(r"DEBUG \[(\d+)\] ecconf\.serve: reloaded")
        pids = {served.wait_for(worker_reloaded).group(1), served.wait_for(worker_reloaded).group(1)}
        assert len(pids) == 2
        send(*served.tcp, "after reload")  # the fixed port survives the reload of a port-0 Listen
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(timeout=20) == 0
        assert served.proc.stderr is not None
        lines = served.seen + served.proc.stderr.readlines()
    said = [line for line in lines if re.search(r"INFO \[\d+\] ecconf\.serve: reloaded", line)]
    assert len(said) == 1 and said[0].rstrip().endswith("(2 workers): no config change (password files re-read)")


def test_workers_must_be_positive(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(workers_config(tmp_path)), "--workers", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--workers: must be at least 1" in done.stderr


CAPPED = "Listener_Sessions = 4"
CONNECTED = re.compile(r"\[(\d+)\] ecconf\.runtime\.server: \[\S+\] \S+: connection from 127\.0\.0\.1:(\d+)")


def admitted_within(port: int, deadline: int = 300) -> tuple[socket.socket, object]:
    """A session, once the server has seen a place come free (bounded: each try is answered 220 or 421)."""
    for _ in range(deadline):
        sock, reader = connect(port)
        if reader.readline().startswith(b"220 "):
            return sock, reader
        hang_up(sock, reader)
    pytest.fail("no place came free")


def test_listener_sessions_holds_for_the_machine_not_per_worker(tmp_path: Path) -> None:
    with serving(workers_config(tmp_path, CAPPED), "--workers", "2", "--loop", "asyncio", listens=2) as served:
        first, second = served.workers()
        held = []
        for taker in (first, second, first, second):  # two sessions on each worker
            with served.only(taker):
                held.append(dialogue(served.port))
        for taker in (first, second):  # per worker, 4 would fit: the machine has none left
            with served.only(taker):
                sock, reader = connect(served.port)
                assert reader.readline() == OVER_CAP
            hang_up(sock, reader)
        hang_up(*held.pop())  # one place comes free, on whichever worker held it
        held.append(admitted_within(served.port))
        sock, reader = connect(served.port)
        assert reader.readline() == OVER_CAP
        hang_up(sock, reader)
        for client in held:
            hang_up(*client)
        assert served.stop() == 0


def test_a_killed_workers_places_come_back(tmp_path: Path) -> None:
    args = ("--workers", "2", "--loop", "asyncio", "--log-level", "DEBUG")
    with serving(workers_config(tmp_path, CAPPED), *args, listens=2) as served:
        held = {}
        for _ in range(4):
            sock, reader = dialogue(served.port)
            held[sock.getsockname()[1]] = (sock, reader)
        worker_of = {}
        while len(worker_of) < 4:  # each worker logs the sessions it took
            match = served.wait_for(CONNECTED)
            worker_of[int(match.group(2))] = match.group(1)
        counts: dict[str, int] = {}
        for pid in worker_of.values():
            counts[pid] = counts.get(pid, 0) + 1
        victim, lost = max(counts.items(), key=lambda item: item[1])
        subprocess.run(["kill", "-KILL", victim], check=True)
        assert served.wait_for(REPLACED).group(1) == victim  # its share of the count is cleared by then
        fresh = [admitted_within(served.port) for _ in range(lost)]  # its places are free again...
        sock, reader = connect(served.port)
        assert reader.readline() == OVER_CAP  # ...and no more than those
        hang_up(sock, reader)
        for client in [*held.values(), *fresh]:
            hang_up(*client)
