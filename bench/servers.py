"""The servers under load, as processes: a work directory each, a start that waits for the ready line, a stop.

Rule of this room: process plumbing only, no measuring. Every contender gets the same user, the same
1 KiB message and a spool in its own directory; `pin` puts a process on given CPUs (taskset) when the
machine has more than one, so the server and the load client do not take turns on one core.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

USER, PASSWORD, REALM = "bench", "bench-password", "bench.test"
READY = re.compile(r"listening on \[?([0-9a-fA-F.:]+?)\]?:(\d+)\b")
REPO = Path(__file__).resolve().parent.parent


def pin(cpus: str | None) -> list[str]:
    """`taskset -c CPUS` when asked for and possible; [] otherwise (then the OS schedules freely)."""
    if not cpus or os.cpu_count() in (None, 1) or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", cpus]


def write_users(folder: Path, extra_users: int = 0) -> tuple[Path, Path]:
    """`passwd` (user:password) and `htdigest` (user:realm:md5hex) with the bench user plus `extra_users`."""
    folder.mkdir(parents=True, exist_ok=True)
    passwd, htdigest = folder / "passwd", folder / "htdigest"
    ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
    with open(passwd, "w", encoding="ascii") as clear, open(htdigest, "w", encoding="ascii") as digest:
        for n in range(extra_users):
            clear.write(f"user{n:07d}:pw{n:07d}x\n")
        clear.write(f"{USER}:{PASSWORD}\n")
        digest.write(f"{USER}:{REALM}:{ha1}\n")
    passwd.chmod(0o600)
    htdigest.chmod(0o600)
    return passwd, htdigest


def ecconf_config(folder: Path, spool: Path, log_authentication: bool = True) -> Path:
    """The quick-start shape: all four mechanisms, an accounting log, only authenticated clients relay."""
    log = "true" if log_authentication else "false"
    config = folder / "bench.conf"
    config.write_text(
        f"""
Hostname = "mx.bench.test"
Spool_Base = "{spool}"
ec_logger "accounting" {{ acctlog = "{folder / "acct.log"}" }}
ESMTP_Listener {{
  SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "PIPELINING" "8BITMIME" "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5" )
  AuthPlainParameters = [ uri = "file:passwd" log_authentication = {log} ]
  AuthLoginParameters = [ uri = "file:passwd" log_authentication = {log} ]
  AuthCramMD5Parameters = [ uri = "file:passwd" log_authentication = {log} ]
  AuthDigestMD5Parameters = [ uri = "digest:htdigest" realm = "{REALM}" log_authentication = {log} ]
  Max_Message_Size = 10485760
  Max_Connections_Per_Address = 0  # the load client opens every session from 127.0.0.1
  Listen "127.0.0.1:0" {{ }}
}}
""",
        encoding="utf-8",
    )
    return config


@dataclass
class Running:
    name: str
    proc: subprocess.Popen[bytes]
    host: str
    port: int
    log: deque[str] = field(default_factory=lambda: deque(maxlen=50))

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far (/proc/PID/stat), in seconds."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        """Resident memory of the server process (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


def start(
    name: str, argv: list[str], cpus: str | None = None, env: dict[str, str] | None = None, cwd: Path = REPO
) -> Running:
    """Start a server; returns once it printed its "listening on" line. Its stderr keeps being drained."""
    proc = subprocess.Popen(
        [*pin(cpus), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    assert proc.stderr is not None
    seen: deque[str] = deque(maxlen=50)
    for raw in proc.stderr:
        line = raw.decode(errors="replace")
        seen.append(line)
        match = READY.search(line)
        if match:
            break
    else:
        proc.wait(timeout=10)
        raise RuntimeError(f"{name} did not start:\n" + "".join(seen))
    running = Running(name, proc, match.group(1), int(match.group(2)), seen)

    def drain() -> None:
        # A full pipe would block the server's logging, and so the server: read in big gulps, keep the tail.
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        while chunk := os.read(fd, 1 << 16):
            running.log.extend(chunk.decode(errors="replace").splitlines(keepends=True)[-50:])

    threading.Thread(target=drain, daemon=True).start()
    return running


def ecconf_argv(config: Path, loop: str = "auto", *extra: str, python: str = sys.executable) -> list[str]:
    """`ecconf serve` of `config`, by `python` (another install's interpreter: bench/session_cpu.py)."""
    return [python, "-m", "ecconf", "serve", str(config), "--loop", loop, *extra]


def aiosmtpd_argv(passwd: Path, maildir: Path, loop: str = "asyncio") -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.aiosmtpd_peer",
        "--users",
        str(passwd),
        "--maildir",
        str(maildir),
        "--loop",
        loop,
    ]


def canned_argv(loop: str = "asyncio") -> list[str]:
    return [sys.executable, "-m", "bench.canned_server", "--loop", loop]
