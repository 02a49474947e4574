"""Shared fixtures for runtime tests: a scripted sans-IO SMTP driver and a ready-made policy."""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from ecconf.runtime import replies
from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import (
    ListenAddress,
    ListenerSpec,
    MechanismSpec,
    PolicyLayer,
    ServerConfig,
    SessionPolicy,
)
from ecconf.runtime.events import FLUSH, NEED_DATA, PAUSED, Event, MessageReceived, Offload, StartTls
from ecconf.runtime.protocol import SmtpConnection
from ecconf.runtime.server import Server
from ecconf.runtime.stores import MemoryStore

HOST = "mx.test"
NOW = 1_700_000_000.0
USERS = {"alice": "s3cret", "bob@example.org": "hunter2"}
MECHS = ("PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5")


def auth_policy(**overrides: Any) -> SessionPolicy:
    """Every mechanism offered against one clear-text store, enhanced status codes on."""
    values: dict[str, Any] = {
        "smtp_extensions": ("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", *(f"AUTH {m}" for m in MECHS)),
        "auth": {
            m: MechanismSpec(m, "memory:users", realm=HOST, stored_cleartext=True, log_authentication=True)
            for m in MECHS
        },
    }
    values.update(overrides)
    return SessionPolicy(**values)


def memory_credentials() -> Credentials:
    creds = Credentials(base_dir=Path("."))
    creds.add("memory:users", MemoryStore(cleartext=USERS))
    return creds


class Session:
    """Drives one SmtpConnection the way a server would; `feed` picks whole or byte-by-byte delivery."""

    def __init__(self, conn: SmtpConnection, feed: str) -> None:
        self.conn = conn
        self.feed = feed
        self.events: list[Event] = []
        self.messages: list[MessageReceived] = []
        self.store_reply: replies.Reply | None = None  # reject spooling with this reply when set
        self.greeting = self._pump()

    def _pump(self) -> str:
        out = bytearray(self.conn.data_to_send())
        while True:
            event = self.conn.next_event()
            out += self.conn.data_to_send()
            if event is NEED_DATA or event is PAUSED:
                return out.decode()
            if event is FLUSH:  # replies piled up; a real driver waits here until the client reads them
                continue
            self.events.append(event)
            if isinstance(event, MessageReceived):
                self.messages.append(event)
                if self.store_reply is None:
                    self.conn.message_stored(event.envelope.queue_id)
                else:
                    self.conn.message_rejected(self.store_reply)
            elif isinstance(event, StartTls):
                out += self.conn.data_to_send()
                self.conn.tls_started()
            elif isinstance(event, Offload):  # a server runs it in a worker thread; here, at once
                self.conn.computed(event.function(*event.args))

    def send(self, data: bytes | str, *, whole: bool = False) -> str:
        """Feed bytes (one chunk when `whole`); return every reply byte produced."""
        if isinstance(data, str):
            data = data.encode()
        bytewise = self.feed == "bytewise" and not whole
        chunks = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
        out = []
        for chunk in chunks:
            self.conn.receive_data(chunk)
            out.append(self._pump())
        return "".join(out)

    def of_type(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture(params=["whole", "bytewise"])
def feed(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def session(feed: str) -> Iterator[Callable[..., Session]]:
    def make(
        policy: SessionPolicy | None = None, *, client: tuple[str, int] = ("192.0.2.7", 40000), **kw: Any
    ) -> Session:
        conn = SmtpConnection(
            policy or auth_policy(),
            HOST,
            kw.pop("mechanisms", None) or memory_credentials(),
            client=client,
            clock=kw.pop("clock", lambda: NOW),
            # Real randomness: DIGEST-MD5 nonces are single-use across the whole process.
            random_bytes=os.urandom,
            **kw,
        )
        return Session(conn, feed)

    yield make


@pytest.fixture
def make_policy() -> Callable[..., SessionPolicy]:
    return auth_policy


# ----- a real server on loopback, run in its own event-loop thread so blocking clients can talk to it -----

PASSWORDS = "# test users\nalice:s3cret\nbob@example.org:hunter2\n"


class RunningServer:
    def __init__(self, config: ServerConfig, **server_options: Any) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = Server(config, **server_options)
        try:
            self.run(self.server.start())
        except BaseException:
            self._stop_loop()
            raise

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def address(self, name: str | None = None) -> Any:
        return self.server.addresses[name or self.config.listeners[0].name]

    @property
    def port(self) -> int:
        return int(self.address()[1])

    def wait_until(self, check: Callable[[], bool], rounds: int = 300) -> bool:
        """Let the server's loop run until `check()` holds; bounded: 3 s."""
        for _ in range(rounds):
            if check():
                return True
            self.run(asyncio.sleep(0.01))
        return check()

    def maildir_messages(self) -> list[str]:
        new = self.config.spool_base / "new"
        return [p.read_text() for p in sorted(new.iterdir(), key=lambda p: p.stat().st_mtime_ns)]

    def close(self) -> None:
        try:
            self.run(self.server.stop(2.0))
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def server_config(
    tmp_path: Path,
    *,
    listen: str = "127.0.0.1:0",
    listen_values: dict[str, Any] | None = None,
    listener_values: dict[str, Any] | None = None,
    peers: tuple[tuple[str, dict[str, Any]], ...] = (),
    mechanisms: tuple[str, ...] = MECHS,
) -> ServerConfig:
    """Listen (listen_values) inside ESMTP_Listener (auth for every mechanism + listener_values, peers)."""
    passwd = tmp_path / "passwd"
    if not passwd.exists():
        passwd.write_text(PASSWORDS)
    auth = {
        m: MechanismSpec(m, "file:passwd", realm=HOST, stored_cleartext=True, log_authentication=True)
        for m in mechanisms
    }
    listener = {
        "smtp_extensions": ("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", *(f"AUTH {m}" for m in mechanisms)),
        "auth": auth,
        **(listener_values or {}),
    }
    layers = (PolicyLayer(listen_values or {}), PolicyLayer(listener, peers))  # type: ignore[arg-type]
    return ServerConfig(
        hostname=HOST,
        spool_base=tmp_path / "spool",
        listeners=(ListenerSpec(listen, ListenAddress.parse(listen), layers),),
        acctlog_path=tmp_path / "acctlog",
        base_dir=tmp_path,
    )


@pytest.fixture
def run_server() -> Iterator[Callable[..., RunningServer]]:
    started: list[RunningServer] = []

    def start(config: ServerConfig, **server_options: Any) -> RunningServer:
        running = RunningServer(config, **server_options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., ServerConfig]:
    """server_config bound to this test's tmp_path (the password file is tmp_path/passwd)."""

    def make(**kw: Any) -> ServerConfig:
        return server_config(tmp_path, **kw)

    return make


# ----- TLS: a CA made for the test session, a certificate for mx.test / 127.0.0.1, a client that trusts it -----


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_files(ca: trustme.CA, tmp_path: Path) -> dict[str, Path]:
    """The listener values (tls_certificate, tls_key) of a certificate for mx.test and 127.0.0.1."""
    cert = ca.issue_cert("mx.test", "127.0.0.1")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(cert_path)
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(cert_path, append=True)
    cert.private_key_pem.write_to_path(key_path)
    return {"tls_certificate": cert_path, "tls_key": key_path}


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
