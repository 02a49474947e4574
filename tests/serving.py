"""For tests that run a real server: a config written for `ecconf serve`, the process started (its "listening
on" lines are the synchronisation point, no sleeps), and loopback clients, polite or not.

One copy of each, imported by the test files (tests/conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

import pytest

READY = re.compile(r"ecconf: listening on (\S+) \(Listen")
USERS = "carol:s3cret-pass\n"
_PARAMETERS = {
    "PLAIN": "AuthPlainParameters",
    "LOGIN": "AuthLoginParameters",
    "CRAM-MD5": "AuthCramMD5Parameters",
    "SCRAM-SHA-256": "AuthScramSHA256Parameters",
}


def write_config(
    folder: Path,
    *,
    mechanisms: tuple[str, ...] = ("PLAIN",),
    extensions: tuple[str, ...] = (),
    listener: str = "",
    listens: tuple[str, ...] = ("127.0.0.1:0",),
    listen_options: str = "",
    users: str = USERS,
) -> Path:
    """folder/server.conf: one ESMTP_Listener offering `mechanisms` against folder/passwd (`users`), with
    `listener` lines inside it and one Listen per address (each with `listen_options`)."""
    (folder / "passwd").write_text(users)
    (folder / "passwd").chmod(0o600)
    words = " ".join(f'"{word}"' for word in ("ENHANCEDSTATUSCODES", *extensions, "AUTH " + " ".join(mechanisms)))
    auth = "\n".join(f'  {_PARAMETERS[m]} = [ uri = "file:passwd" ]' for m in mechanisms)
    blocks = "\n".join(f'  Listen "{address}" {{ {listen_options} }}' for address in listens)
    config = folder / "server.conf"
    config.write_text(
        f'Hostname = "mx.test"\nSpool_Base = "{folder / "spool"}"\n'
        f"ESMTP_Listener {{\n  SMTP_Extensions = ( {words} )\n{auth}\n  {listener}\n{blocks}\n}}\n"
    )
    return config


class Served:
    """An `ecconf serve` process whose listeners are all up."""

    def __init__(self, proc: subprocess.Popen[str], addresses: list[str], seen: list[str]) -> None:
        self.proc, self.addresses, self.seen = proc, addresses, seen

    @property
    def tcp(self) -> tuple[str, int]:
        host, _, port = next(a for a in self.addresses if not a.startswith("/")).rpartition(":")
        return host, int(port)

    @property
    def host(self) -> str:
        return self.tcp[0]

    @property
    def port(self) -> int:
        return self.tcp[1]

    def wait_for(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """The next log line that matches (read as the server writes it)."""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.seen.append(line)
            if match := pattern.search(line):
                return match
        pytest.fail("server ended without logging " + pattern.pattern + ":\n" + "".join(self.seen))

    def stop(self, timeout: float = 20) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def workers(self) -> list[str]:
        """The pids of the worker processes of `--workers N`, lowest first (Linux: the supervisor's children)."""
        pid = self.proc.pid
        return sorted(Path(f"/proc/{pid}/task/{pid}/children").read_text().split(), key=int)

    @contextmanager
    def only(self, worker: str) -> Iterator[None]:
        """While the block runs, `worker` alone takes connections: every other worker is paused."""
        with ExitStack() as stack:
            for other in self.workers():
                if other != worker:
                    stack.enter_context(paused(other))
            yield


@contextmanager
def paused(pid: str) -> Iterator[None]:
    """Stop one worker while the block runs, so the others take every connection made in it. The kernel makes
    no promise of how it spreads connections over processes that accept on one socket (a worker that is awake
    tends to take the next one too), so a test that needs a given worker to serve says so this way.

    A worker is only ever left stopped while it holds no lock of the tables the workers share (fcntl locks,
    seen in /proc/locks): one stopped inside, say, the release of a session that just ended would leave every
    other worker waiting for that lock. If it holds one, it is let go on and stopped again (bounded)."""
    for _ in range(1000):
        os.kill(int(pid), signal.SIGSTOP)
        _wait_until_stopped(pid)
        if not _holds_a_lock(pid):
            break
        os.kill(int(pid), signal.SIGCONT)
        time.sleep(0.001)  # give it the moment it needs to finish and let the lock go
    else:
        pytest.fail(f"worker {pid} kept holding a lock of a shared table")
    try:
        yield
    finally:
        os.kill(int(pid), signal.SIGCONT)


def _wait_until_stopped(pid: str) -> None:
    """SIGSTOP takes effect when the kernel next schedules the process: until then it may still run."""
    for _ in range(10_000):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            return
        time.sleep(0.0005)
    pytest.fail(f"worker {pid} did not stop")


def _holds_a_lock(pid: str) -> bool:
    # /proc/locks: "1: POSIX  ADVISORY  WRITE <pid> <dev:inode> <start> <end>"; a waiter's line has "->"
    # after the number and holds nothing yet.
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[1] != "->" and fields[4] == pid:
            return True
    return False


def start_serve(config: Path, *args: str, listens: int = 1) -> Served:
    """Run `ecconf serve config *args` and wait for its `listens` "listening on" lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecconf", "serve", str(config), *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    addresses: list[str] = []
    for line in proc.stderr:
        seen.append(line)
        if match := READY.search(line):
            addresses.append(match.group(1))
            if len(addresses) == listens:
                return Served(proc, addresses, seen)
    proc.wait(timeout=10)
    pytest.fail("server did not start:\n" + "".join(seen))


@contextmanager
def serving(config: Path, *args: str, listens: int = 1) -> Iterator[Served]:
    """start_serve, and the process killed at the end if the test has not stopped it."""
    served = start_serve(config, *args, listens=listens)
    try:
        yield served
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait(timeout=10)


# ----- loopback clients -------------------------------------------------------------------------------------


def connect(port: int, source: str = "127.0.0.1") -> tuple[socket.socket, BinaryIO]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock, sock.makefile("rb")


def dialogue(port: int, source: str = "127.0.0.1") -> tuple[socket.socket, BinaryIO]:
    """Connected, greeted (220) and past EHLO."""
    sock, reader = connect(port, source)
    assert reader.readline().startswith(b"220 ")
    sock.sendall(b"EHLO c\r\n")
    while reader.readline()[3:4] == b"-":
        pass
    return sock, reader


def hang_up(sock: socket.socket, reader: BinaryIO) -> None:
    """Close the client's side for real: the socket's file stays open while its makefile() reader does."""
    reader.close()
    sock.close()


def silent_flood(port: int, data: bytes) -> tuple[socket.socket, threading.Thread]:
    """A client that sends `data` and never reads a reply (a small receive window, so the kernel holds
    little of what the server sends); the thread ends when the server stops taking the data."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    flood = threading.Thread(target=send_quietly, args=(sock, data))
    flood.start()
    return sock, flood


def swaks_plain_auth(port: int, mechanism: str, *extra: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """swaks authenticating as carol / s3cret-pass (write_config's user) and sending one message."""
    return subprocess.run(
        [
            "swaks",
            "--server",
            f"127.0.0.1:{port}",
            "-a",
            mechanism,
            "-au",
            "carol",
            "-ap",
            "s3cret-pass",
            "--to",
            "x@example.org",
            "--from",
            "carol@mx.test",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server may close first: that is the point
