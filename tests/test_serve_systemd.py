"""`ecconf serve` under systemd: sd_notify states (a datagram socket of the test's own as NOTIFY_SOCKET),
socket activation (systemd-socket-activate hands the listening socket over), and --user/--group."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from serving import dialogue, hang_up, serving, write_config

ASYNCIO = ("--loop", "asyncio")


def states(sock: socket.socket) -> list[str]:
    """The next datagram's lines (bounded: the socket has a timeout)."""
    return sock.recv(4096).decode().split("\n")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sd_notify_says_ready_reloading_and_stopping_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(tmp_path / "notify"))
    listener.settimeout(20)
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    with serving(write_config(tmp_path), "--workers", workers, *ASYNCIO) as served:
        assert states(listener) == ["READY=1"]
        served.proc.send_signal(signal.SIGHUP)
        reloading = states(listener)
        assert reloading[0] == "RELOADING=1" and reloading[1].startswith("MONOTONIC_USEC=")
        assert states(listener) == ["READY=1"]
        assert served.stop() == 0
        assert states(listener) == ["STOPPING=1"]
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):  # nothing more: no worker spoke for itself
        listener.recv(4096)
    listener.close()


ACTIVATE = shutil.which("systemd-socket-activate")


@pytest.mark.skipif(ACTIVATE is None, reason="systemd-socket-activate is not installed (Debian package systemd)")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_socket_activation_serves_the_socket_systemd_bound(tmp_path: Path, workers: str) -> None:
    path = str(tmp_path / "activated.sock")
    config = write_config(tmp_path, listens=(path,))
    command = [ACTIVATE, "-l", path, sys.executable, "-m", "ecconf", "serve", str(config), "--workers", workers]
    proc = subprocess.Popen([*command, *ASYNCIO], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # systemd-socket-activate binds first, and starts ecconf at a connection
            seen.append(line)
            if "Listening on" in line:
                break
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(20)
            client.connect(path)
            assert client.makefile("rb").readline().startswith(b"220 ")  # our own bind would have refused
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, "".join(seen) + proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_a_socket_no_listen_names_is_refused(tmp_path: Path) -> None:
    if ACTIVATE is None:
        pytest.skip("systemd-socket-activate is not installed (Debian package systemd)")
    config = write_config(tmp_path, listens=(str(tmp_path / "configured.sock"),))
    other = str(tmp_path / "other.sock")
    proc = subprocess.Popen(
        [ACTIVATE, "-l", other, sys.executable, "-m", "ecconf", "serve", str(config), *ASYNCIO],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Listening on" in line:
                break
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(other)  # starts ecconf, which refuses the socket it was handed
        assert proc.wait(timeout=30) == 1
        assert f"systemd passed a socket on {other} that no Listen in the config names" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def uid_of(pid: int) -> int:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("Uid:"))
    return int(line.split()[1])


def children(pid: int) -> set[int]:
    return {int(word) for word in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_user_drops_root_after_binding_and_loading(tmp_path: Path, workers: str) -> None:
    config = write_config(tmp_path)
    args = ("--workers", workers, "--user", "nobody", "--group", "nogroup", *ASYNCIO)
    with serving(config, *args) as served:
        hang_up(*dialogue(served.port))  # serving (the socket was bound and the passwd read as root)
        pids = children(served.proc.pid) if workers == "2" else {served.proc.pid}
        assert len(pids) == int(workers)
        assert {uid_of(pid) for pid in pids} == {pwd.getpwnam("nobody").pw_uid}
        assert served.stop() == 0


def test_an_unknown_user_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecconf", "serve", str(write_config(tmp_path)), "--user", "no-such-user-here"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "--user: no such user: no-such-user-here" in done.stderr
