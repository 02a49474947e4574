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

READY = re.compile(r"ecconf: listening on (\S+) \(Listen")
REPLACED = re.compile(r"worker (\d+) exited \(status -9\); starting another")


class Served:
    def __init__(self, proc: subprocess.Popen[str], addresses: list[str], seen: list[str]) -> None:
        self.proc, self.addresses, self.seen = proc, addresses, seen

    @property
    def tcp(self) -> tuple[str, int]:
        host, _, port = next(a for a in self.addresses if not a.startswith("/")).rpartition(":")
        return host, int(port)

    def wait_for(self, pattern: re.Pattern[str]) -> re.Match[str]:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # the log line is the synchronisation point
            self.seen.append(line)
            if match := pattern.search(line):
                return match
        pytest.fail("server ended without logging " + pattern.pattern + ":\n" + "".join(self.seen))


def write_config(folder: Path) -> Path:
    (folder / "passwd").write_text("carol:s3cret-pass\n")
    (folder / "passwd").chmod(0o600)
    config = folder / "server.conf"
    config.write_text(
        f"""
        Hostname = "mx.test"
        Spool_Base = "{folder / "spool"}"
        ESMTP_Listener {{
          SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "AUTH PLAIN" )
          AuthPlainParameters = [ uri = "file:passwd" ]
          Listen "127.0.0.1:0" {{ }}
          Listen "{folder / "smtp.sock"}" {{ }}
        }}
        """
    )
    return config


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecconf", "serve", str(write_config(tmp_path)), "--workers", "2", "--loop", "asyncio"],
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
            if len(addresses) == 2:
                break
    else:
        proc.wait(timeout=10)
        pytest.fail("server did not start:\n" + "".join(seen))
    try:
        yield Served(proc, addresses, seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


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


def worker_pids(spool: Path) -> set[str]:
    # Maildir names carry the pid of the process that stored the message: "<time>.P<pid>Q<n>R<id>.<host>".
    return {re.search(r"\.P(\d+)Q", p.name).group(1) for p in (spool / "new").iterdir()}  # type: ignore[union-attr]


def test_workers_share_the_sockets_and_stop_together(served: Served, tmp_path: Path) -> None:
    assert served.addresses == [served.addresses[0], str(tmp_path / "smtp.sock")]  # one line per Listen
    host, port = served.tcp
    for n in range(24):
        send(host, port, f"m{n}")
    assert send_over_unix(str(tmp_path / "smtp.sock")).endswith(b"221 2.0.0 mx.test closing connection\r\n")
    assert len(list((tmp_path / "spool" / "new").iterdir())) == 25
    # The kernel spread 24 connections over both workers (all on one: a chance of 1 in 2**23).
    assert len(worker_pids(tmp_path / "spool")) == 2
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=2)


def test_a_killed_worker_is_replaced(served: Served, tmp_path: Path) -> None:
    host, port = served.tcp
    for n in range(24):
        send(host, port, f"m{n}")
    victim = sorted(worker_pids(tmp_path / "spool"))[0]
    Path(f"/proc/{victim}").stat()  # a worker of this server, alive
    served.proc.send_signal(signal.SIGCHLD)  # a stray signal changes nothing
    subprocess.run(["kill", "-KILL", victim], check=True)
    assert served.wait_for(REPLACED).group(1) == victim
    before = set((tmp_path / "spool" / "new").iterdir())
    for n in range(24):
        send(host, port, f"after{n}")
    fresh = set((tmp_path / "spool" / "new").iterdir()) - before
    assert len(fresh) == 24
    pids = {re.search(r"\.P(\d+)Q", p.name).group(1) for p in fresh}  # type: ignore[union-attr]
    assert victim not in pids and len(pids) == 2  # the survivor and the replacement
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0


def test_sighup_reaches_every_worker(served: Served, tmp_path: Path) -> None:
    served.proc.send_signal(signal.SIGHUP)
    reloaded = re.compile(r"\[(\d+)\] ecconf\.serve: reloaded")
    pids = {served.wait_for(reloaded).group(1), served.wait_for(reloaded).group(1)}
    assert len(pids) == 2
    send(*served.tcp, "after reload")  # the fixed port survives the reload of a port-0 Listen
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=20) == 0


def test_workers_must_be_positive(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(write_config(tmp_path)), "--workers", "0"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--workers: must be at least 1" in done.stderr
