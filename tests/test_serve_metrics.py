"""`ecconf serve --metrics ADDR`: one Prometheus endpoint for all workers (sessions, AUTH by mechanism and
outcome, penalties held, 421s, spool commit latency, reloads, store sizes), /healthz and /readyz."""

from __future__ import annotations

import base64
import re
import signal
import smtplib
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from serving import Served, dialogue, hang_up, serving, write_config

pytest.importorskip("prometheus_client")

METRICS = re.compile(r"; metrics http://(\S+)/metrics$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{base}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` in an exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, _, number = line.rpartition(" ")
        head, _, rest = sample.partition("{")
        if head != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if all(got.get(k) == v for k, v in labels.items()):
            return float(number)
    return 0.0


def wait_for_metric(base: str, name: str, at_least: float, deadline: float = 15.0, **labels: str) -> str:
    """The exposition once name{labels} has reached `at_least` (polled, bounded)."""
    end = time.monotonic() + deadline
    while True:
        text = get(base, "/metrics")[1]
        if value(text, name, **labels) >= at_least or time.monotonic() > end:
            return text
        time.sleep(0.05)


def endpoint(served: Served) -> str:
    match = next(m for line in served.seen if (m := METRICS.search(line.rstrip())))
    return match.group(1)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_metrics_count_across_workers(tmp_path: Path, workers: str) -> None:
    port = free_port()
    config = write_config(tmp_path, listener="Listener_Sessions = 3")
    args = ("--workers", workers, "--loop", "asyncio", "--metrics", f"127.0.0.1:{port}")
    with serving(config, *args) as served:
        base = endpoint(served)
        assert base == f"127.0.0.1:{port}"
        assert get(base, "/healthz")[0] == 200
        assert get(base, "/readyz") == (200, "ready\n")
        for n in range(6):
            with smtplib.SMTP("127.0.0.1", served.port, timeout=10) as client:
                client.login("carol", "s3cret-pass")
                client.sendmail("carol@mx.test", ["d@example.org"], f"Subject: {n}\r\n\r\nx\r\n".encode())
        for source in ("127.0.0.2", "127.0.0.3"):
            sock, reader = dialogue(served.port, source)
            sock.sendall(b"AUTH PLAIN " + base64.b64encode(b"\0carol\0wrong") + b"\r\n")
            assert reader.readline().startswith(b"535 ")
            hang_up(sock, reader)
        held = [dialogue(served.port) for _ in range(3)]
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        assert sock.makefile("rb").readline().startswith(b"421 ")
        sock.close()
        for client in held:
            hang_up(*client)
        served.proc.send_signal(signal.SIGHUP)
        text = wait_for_metric(base, "ecconf_reloads_total", 1, result="ok")
        assert value(text, "ecconf_auth_total", mechanism="PLAIN", outcome="success") == 6
        assert value(text, "ecconf_auth_total", mechanism="PLAIN", outcome="failure") == 2
        assert value(text, "ecconf_sessions_total", listener="127.0.0.1:0") >= 11
        assert value(text, "ecconf_refused_total", listener="127.0.0.1:0", code="421") == 1
        assert value(text, "ecconf_spool_commit_seconds_count") == 6
        assert value(text, "ecconf_store_users", store=f"file://{tmp_path / 'passwd'}") == 1
        assert value(text, "ecconf_reloads_total", result="ok") == 1
        assert served.stop() == 0
    with pytest.raises(OSError):  # the endpoint went with the server
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_readyz_is_503_while_a_store_is_missing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "passwd").unlink()
    port = free_port()
    args = ("--loop", "asyncio", "--no-file-checks", "--refresh-interval", "0.1", "--metrics", f"127.0.0.1:{port}")
    with serving(config, *args) as served:
        base = endpoint(served)
        assert get(base, "/healthz")[0] == 200
        end = time.monotonic() + 15
        while get(base, "/readyz")[0] != 503 and time.monotonic() < end:  # marked on the first look
            time.sleep(0.05)
        assert get(base, "/readyz") == (503, "not ready\n")
        (tmp_path / "passwd").write_text("carol:s3cret-pass\n")
        end = time.monotonic() + 15
        while get(base, "/readyz")[0] != 200 and time.monotonic() < end:
            time.sleep(0.05)
        assert get(base, "/readyz") == (200, "ready\n")
        assert served.stop() == 0


def test_a_metrics_port_in_use_stops_start_up(tmp_path: Path) -> None:
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "ecconf", "serve", str(write_config(tmp_path)), "--metrics", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1 and f"--metrics 127.0.0.1:{port}:" in done.stderr and "Traceback" not in done.stderr
