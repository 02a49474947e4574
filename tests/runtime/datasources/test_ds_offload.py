"""A store that checks passwords itself is awaited on the loop: a database that does not answer takes no
compute thread, so the costly checks of other sessions (a crypt hash) still run, and its own sessions get
their answers once it does."""

from __future__ import annotations

import asyncio
import base64
import smtplib
import socket
from pathlib import Path

from passlib.hash import sha512_crypt
from serving import dialogue, hang_up

from ecconf.runtime.authn import Credentials
from ecconf.runtime.config import ListenAddress, ListenerSpec, MechanismSpec, PolicyLayer, ServerConfig
from ecconf.runtime.sasl.base import SecretKind
from ecconf.runtime.server import COMPUTE_THREADS


class StuckDatabase:
    """A VERIFY store whose checks all wait until released (a database that is slow, within its timeout)."""

    uri = "stuck://"
    last_error = None
    secret_kinds = frozenset({SecretKind.VERIFY})

    def __init__(self) -> None:
        self.waiting = 0
        self.released: asyncio.Event | None = None  # made on the server's loop

    def cleartext(self, user: str) -> str | None:
        return None

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        return None

    def refresh(self) -> bool:
        return False

    def known(self, user: str, password: str, realm: str) -> bool | None:
        return None  # nothing at hand: every answer is awaited

    async def check(self, user: str, password: str, realm: str) -> bool | None:
        if self.released is None:
            self.released = asyncio.Event()
        self.waiting += 1
        await self.released.wait()
        return password == "right"


def test_a_stuck_database_leaves_the_compute_threads_to_others(run_server, tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text("carol:{SHA512-CRYPT}" + sha512_crypt.using(rounds=5000).hash("pw") + "\n")
    auth = {
        "PLAIN": MechanismSpec("PLAIN", "stuck://", realm="mx.test"),
        "LOGIN": MechanismSpec("LOGIN", "file:passwd", realm="mx.test"),
    }
    listener = {"smtp_extensions": ("ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN"), "auth": auth}
    config = ServerConfig(
        hostname="mx.test",
        spool_base=tmp_path / "spool",
        listeners=(
            ListenerSpec("127.0.0.1:0", ListenAddress.parse("127.0.0.1:0"), (PolicyLayer({}), PolicyLayer(listener))),
        ),
        base_dir=tmp_path,
    )
    store = StuckDatabase()
    credentials = Credentials(tmp_path)
    credentials.add("stuck://", store)  # type: ignore[arg-type]
    running = run_server(config, credentials=credentials)
    stuck: list[tuple[socket.socket, object]] = []
    try:
        for _ in range(COMPUTE_THREADS + 1):  # more than there are compute threads
            sock, reader = dialogue(running.port)
            sock.sendall(b"AUTH PLAIN " + base64.b64encode(b"\0alice\0right") + b"\r\n")
            stuck.append((sock, reader))
        assert running.wait_until(lambda: store.waiting == COMPUTE_THREADS + 1)
        with smtplib.SMTP("127.0.0.1", running.port, timeout=20) as client:  # a crypt check: a compute thread
            client.ehlo("c")
            client.user, client.password = "carol", "pw"
            assert client.auth("LOGIN", client.auth_login)[0] == 235

        async def release() -> None:
            assert store.released is not None
            store.released.set()

        running.run(release())
        for _sock, reader in stuck:
            assert reader.readline().startswith(b"235 ")  # type: ignore[attr-defined]
    finally:
        for sock, reader in stuck:
            hang_up(sock, reader)  # type: ignore[arg-type]
