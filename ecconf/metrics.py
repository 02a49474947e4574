"""`ecconf serve --metrics ADDR`: a Prometheus endpoint, with /healthz and /readyz, for every worker at once.

Rule of this room: the only module that imports prometheus-client (the `ecconf[metrics]` extra). It
installs hooks into the runtime's sans-dependency interface (runtime/observe.py) and serves them from a
small HTTP process of its own, forked before the workers: prometheus-client's multiprocess mode, with
PROMETHEUS_MULTIPROC_DIR a private temporary directory that the starting process owns and removes, so the
workers' counts add up. /healthz answers 200 while the server process lives; /readyz answers 200 only once
every listener is bound (every worker started) and no serving process misses a credential store (each
marks a missing one in that directory: `missing.<pid>`), else 503.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

from .runtime import observe
from .runtime.config import ListenAddress

ENV = "PROMETHEUS_MULTIPROC_DIR"


class MetricsUnavailable(Exception):
    pass


class Service:
    """The metrics directory and the HTTP process; `start` in the process that starts (before any fork)."""

    def __init__(self, address: str) -> None:
        self.address = ListenAddress.parse(address)
        self.folder = Path(tempfile.mkdtemp(prefix="ecconf-metrics-"))
        self.pid = 0
        self.bound: tuple[str, int] = ("", 0)

    def start(self) -> None:
        os.environ[ENV] = str(self.folder)  # before prometheus_client is imported: it picks its mode then
        try:
            import prometheus_client  # noqa: F401
        except ImportError:
            raise MetricsUnavailable("--metrics needs prometheus-client (pip install 'ecconf[metrics]')") from None
        family = socket.AF_INET6 if ":" in self.address.host else socket.AF_INET
        sock = socket.create_server((self.address.host, self.address.port), family=family)
        self.bound = sock.getsockname()[:2]
        observe.install(_PrometheusHooks())
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the HTTP process: serves until its parent is gone or stops it
            code = 1
            try:
                from .workers import die_with

                die_with(parent)
                _serve(sock, self.folder, parent)
                code = 0
            finally:
                os._exit(code)
        sock.close()
        self.pid = pid

    def ready(self) -> None:
        (self.folder / "ready").touch()

    def stop(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        shutil.rmtree(self.folder, ignore_errors=True)

    def worker_gone(self, pid: int) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
        (self.folder / f"missing.{pid}").unlink(missing_ok=True)


def mark_missing_stores(missing: list[str]) -> None:
    """Called by each serving process: whether it misses a credential store (for /readyz)."""
    folder = os.environ.get(ENV)
    if not folder:
        return
    marker = Path(folder) / f"missing.{os.getpid()}"
    if missing:
        marker.write_text("\n".join(missing))
    else:
        marker.unlink(missing_ok=True)


def _serve(sock: socket.socket, folder: Path, parent: int) -> None:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                registry = CollectorRegistry()
                multiprocess.MultiProcessCollector(registry, path=str(folder))
                self._answer(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._answer(200, b"ok\n")
            elif path == "/readyz":
                ready = (folder / "ready").exists() and not any(folder.glob("missing.*"))
                self._answer(200 if ready else 503, b"ready\n" if ready else b"not ready\n")
            else:
                self._answer(404, b"not found\n")

        def _answer(self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes every few seconds would drown the server's own log

    class Server(http.server.HTTPServer):
        def server_bind(self) -> None:  # the socket is bound already
            self.server_address = sock.getsockname()[:2]

    server = Server(sock.getsockname()[:2], Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()


class _PrometheusHooks(observe.Hooks):
    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.sessions = Counter("ecconf_sessions", "SMTP sessions admitted", ["listener"])
        self.open = Gauge("ecconf_sessions_open", "SMTP sessions open", ["listener"], multiprocess_mode="livesum")
        self.refusals = Counter("ecconf_refused", "Connections refused at once (421)", ["listener", "code"])
        self.auths = Counter("ecconf_auth", "AUTH exchanges", ["mechanism", "outcome"])
        self.penalties = Counter("ecconf_auth_penalties_held", "AUTH answers held back by the address penalty")
        self.commit = Histogram(
            "ecconf_spool_commit_seconds",
            "From a message's final dot to it being on disk",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.stores = Gauge("ecconf_store_users", "Users in a credential store", ["store"], multiprocess_mode="max")
        self.reloads = Counter("ecconf_reloads", "Config reloads", ["result"])

    def session_opened(self, listener: str) -> None:
        self.sessions.labels(listener).inc()
        self.open.labels(listener).inc()

    def session_closed(self, listener: str) -> None:
        self.open.labels(listener).dec()

    def refused(self, listener: str, code: int) -> None:
        self.refusals.labels(listener, str(code)).inc()

    def auth(self, mechanism: str, outcome: str) -> None:
        self.auths.labels(mechanism, outcome).inc()

    def penalty_held(self) -> None:
        self.penalties.inc()

    def stored(self, seconds: float) -> None:
        self.commit.observe(seconds)

    def store_size(self, uri: str, entries: int) -> None:
        self.stores.labels(uri).set(entries)

    def reloaded(self, ok: bool) -> None:
        self.reloads.labels("ok" if ok else "refused").inc()
