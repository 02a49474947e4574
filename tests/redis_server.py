"""For tests of the penalty kept in Redis: a real `redis-server` (the Debian package) on a Unix socket in a
temp dir, started and stopped by the test; ready when it says so on its log, never after a sleep.

One copy, imported by the test files (tests/conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """One redis-server listening only on `socket` (no TCP port), with no persistence."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        if REDIS_SERVER is None:
            pytest.skip("redis-server is not installed (Debian package redis-server)")
        args = ["--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder), "--logfile", ""]
        self.proc = subprocess.Popen([REDIS_SERVER, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            if "ready to accept connections" in line.lower():
                return
        self.proc.wait(timeout=10)
        pytest.fail("redis-server did not start:\n" + "".join(seen))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


def running() -> Iterator[RedisServer]:
    """For a fixture: a started RedisServer, stopped and its folder removed after the test."""
    # A short folder of its own: a Unix socket's path may not be longer than 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="ecconf-redis-"))
    server = RedisServer(folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
