"""A real HAProxy in front of two `ecconf serve` processes on loopback, one sent PROXY v1 (`send-proxy`) and
one v2 (`send-proxy-v2`); swaks connects from loopback aliases, and each server records the true client
address (the message's Received line and its envelope), not HAProxy's."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from serving import Served, serving, swaks_plain_auth, write_config

pytestmark = [
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (Debian: haproxy)"),
    pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed"),
]

# Each frontend's socket is bound here (port 0: the kernel picks) and handed to HAProxy as `fd@N`, so there
# is no port to guess and no race: connections wait in its backlog until HAProxy accepts them.
HAPROXY = """\
global
  maxconn 100
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend v1
  bind fd@{fd1}
  default_backend ecconf_v1
frontend v2
  bind fd@{fd2}
  default_backend ecconf_v2
backend ecconf_v1
  server one {one} send-proxy
backend ecconf_v2
  server two {two} send-proxy-v2
"""


def _listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.set_inheritable(True)
    return sock


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[tuple[Served, Served], tuple[int, int]]]:
    with ExitStack() as stack:
        served = []
        for name in ("one", "two"):
            folder = tmp_path / name
            folder.mkdir()
            config = write_config(folder, listen_options="Proxy_Protocol = true  Proxy_Protocol_Timeout = 10")
            served.append(stack.enter_context(serving(config)))
        fronts = [_listening() for _ in range(2)]
        for sock in fronts:
            stack.callback(sock.close)
        cfg = tmp_path / "haproxy.cfg"
        cfg.write_text(
            HAPROXY.format(
                fd1=fronts[0].fileno(),
                fd2=fronts[1].fileno(),
                one=f"{served[0].host}:{served[0].port}",
                two=f"{served[1].host}:{served[1].port}",
            )
        )
        proc = subprocess.Popen(
            ["haproxy", "-db", "-f", str(cfg)],
            pass_fds=[sock.fileno() for sock in fronts],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

        stack.callback(stop)
        ports = (fronts[0].getsockname()[1], fronts[1].getsockname()[1])
        yield (served[0], served[1]), ports


def _swaks(port: int, source: str) -> str:
    done = swaks_plain_auth(port, "PLAIN", "--local-interface", source, "--helo", "client.example")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _spooled(served: Served, config_folder: Path) -> tuple[str, dict[str, object]]:
    [message] = (config_folder / "spool" / "new").iterdir()
    [sidecar] = (config_folder / "spool" / "envelope").iterdir()
    return message.read_text(), json.loads(sidecar.read_text())


def test_each_instance_sees_the_true_client_through_haproxy(proxied, tmp_path: Path) -> None:
    (one, two), (port1, port2) = proxied
    for served, port, source, folder in ((one, port1, "127.0.0.2", "one"), (two, port2, "127.0.0.3", "two")):
        out = _swaks(port, source)
        assert "235 2.7.0" in out and "250 2.0.0" in out
        message, envelope = _spooled(served, tmp_path / folder)
        assert f"Received: from client.example ([{source}])" in message
        assert envelope["client"]["ip"] == source  # type: ignore[index]
        assert "Authentication-Results: mx.test; auth=pass (PLAIN) smtp.auth=carol" in message


def test_a_client_that_bypasses_haproxy_gets_no_banner(proxied) -> None:
    (one, _two), _ports = proxied
    with socket.create_connection((one.host, one.port), timeout=10) as sock:
        sock.sendall(b"EHLO direct.example\r\n")
        try:
            said = sock.recv(1024)
        except ConnectionResetError:
            said = b""
    assert said == b""
    assert "does not start with a PROXY header" in one.wait_for(REFUSED).group(0)


REFUSED = re.compile(r"refusing 127\.0\.0\.1:\d+: .*")
