"""The asyncio shell around the sans-IO protocol: sockets, TLS, timeouts, concurrency caps, disk work.

Rule of this room: the only runtime file that touches asyncio, sockets or ssl, and it holds no SMTP logic.
Per connection it resolves the SessionPolicy, feeds bytes to `SmtpConnection`, writes what it answers, and
carries out its events. Anything that blocks (spool fsyncs, acctlog appends, credential reloads) runs in a
worker thread so one slow disk does not stall the other sessions.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from . import acctlog, replies
from .authn import Credentials
from .config import ListenerSpec, MechanismSpec, ServerConfig, SessionPolicy
from .events import NEED_DATA, PAUSED, AuthAttempted, Close, MessageReceived, StartTls
from .policy import PolicyResolver
from .protocol import SmtpConnection
from .spool import Maildir, SpoolError
from .tls import allowed_versions

log = logging.getLogger(__name__)

BoundAddress = tuple[str, int] | str  # (host, port) for TCP, the path for a Unix socket
_TLS_VERSIONS = {
    "SSLv3": ssl.TLSVersion.SSLv3,
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
_READ_PAUSE_AT = 256 * 1024  # stop reading from a client that sends faster than we process


class _Shutdown:
    """Marker read() returns when the server asks the session to end."""


class _Link(asyncio.Protocol):
    """One transport seen as awaitable reads and flow-controlled writes; survives the STARTTLS swap."""

    def __init__(self, on_connect: Callable[[_Link], None]) -> None:
        self._on_connect = on_connect
        self.transport: asyncio.Transport | None = None
        self._inbox: list[bytes] = []
        self._buffered = 0
        self._paused = False
        self._eof = False
        self._tls = False
        self._shutdown = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._on_connect(self)

    def data_received(self, data: bytes) -> None:
        self._inbox.append(data)
        self._buffered += len(data)
        if self._buffered > _READ_PAUSE_AT and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._readable.set()

    def eof_received(self) -> bool:
        self._eof = True
        self._readable.set()
        # Keep a plain transport open after a half-close: the replies to what the client sent before its
        # EOF (`printf 'EHLO x\r\nQUIT\r\n' | nc ...`) still have to go out. SSL ignores the answer.
        return not self._tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._readable.set()
        self._writable.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def request_shutdown(self) -> None:
        self._shutdown = True
        self._readable.set()

    async def read(self) -> bytes | type[_Shutdown]:
        """The bytes received so far (at least one), b"" at end of stream, or _Shutdown."""
        while not self._inbox and not self._eof and not self._shutdown:
            self._readable.clear()
            await self._readable.wait()
        if self._shutdown:
            return _Shutdown
        chunk = b"".join(self._inbox)
        self._inbox.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    async def write(self, data: bytes, timeout: float) -> None:
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)
            await asyncio.wait_for(self._writable.wait(), timeout)

    async def start_tls(self, context: ssl.SSLContext, timeout: float, first: bytes = b"") -> None:
        """Send `first` (the 220) and start the handshake in one go, with no await in between."""
        # Whatever arrived before this point was sent before the client saw our 220: clear text that must
        # never be read as if it had been protected.
        self._inbox.clear()
        self._buffered = 0
        self._paused = False  # the TLS transport starts reading afresh
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("connection already closed")
        if first:
            self.transport.write(first)
        loop = asyncio.get_running_loop()
        new = await loop.start_tls(self.transport, self, context, server_side=True, ssl_handshake_timeout=timeout)
        if new is None:
            raise ConnectionError("connection closed during the TLS handshake")
        self.transport = new
        self._tls = True

    def peer(self) -> tuple[str, int]:
        name = self.transport.get_extra_info("peername") if self.transport is not None else None
        return (str(name[0]), int(name[1])) if isinstance(name, tuple) else ("", 0)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def _mechanism_specs(listeners: tuple[ListenerSpec, ...]) -> Iterator[MechanismSpec]:
    for listener in listeners:
        for layer in listener.layers:
            for values in (layer.values, *(vals for _, vals in layer.peers)):
                auth = values.get("auth")
                if isinstance(auth, Mapping):
                    yield from auth.values()


class Server:
    def __init__(
        self,
        config: ServerConfig,
        *,
        credentials: Credentials | None = None,
        on_ready: Callable[[Mapping[str, BoundAddress]], None] | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.config = config
        self.credentials = credentials or Credentials(config.base_dir)
        self.addresses: dict[str, BoundAddress] = {}
        self.ready = asyncio.Event()
        self._on_ready = on_ready
        self._clock = clock
        self._random = random_bytes
        self._maildir = Maildir(config.spool_base)
        self._servers: list[asyncio.AbstractServer] = []
        self._sessions: dict[asyncio.Task[None], _Link] = {}
        self._active: dict[str, int] = {}
        self._ssl: dict[tuple[object, ...], ssl.SSLContext] = {}
        self._refresher: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    # ----- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        await asyncio.to_thread(self.credentials.open_all, _mechanism_specs(self.config.listeners))
        await asyncio.to_thread(self._maildir.ensure)
        try:
            for listener in self.config.listeners:
                await self._listen(listener)
        except BaseException:
            for server in self._servers:  # do not leave half the listeners open
                server.close()
            raise
        self._refresher = asyncio.create_task(self._refresh_loop())
        self.ready.set()
        if self._on_ready is not None:
            self._on_ready(dict(self.addresses))

    async def _listen(self, listener: ListenerSpec) -> None:
        loop = asyncio.get_running_loop()
        resolver = PolicyResolver(listener.layers)
        base = resolver(None)
        if not base.enable:
            log.info("listener %s disabled (Enable = false)", listener.name)
            return
        if base.tls_available:
            self._ssl_context(base)  # a broken certificate should stop the start, not the first client
        self._active[listener.name] = 0

        def factory() -> _Link:
            return _Link(lambda link: self._spawn(listener, resolver, link))

        addr = listener.address
        if addr.kind == "unix":
            server = await loop.create_unix_server(factory, addr.path)
            self.addresses[listener.name] = addr.path
        else:
            server = await loop.create_server(factory, addr.host, addr.port, reuse_address=True)
            sockname = server.sockets[0].getsockname()
            self.addresses[listener.name] = (str(sockname[0]), int(sockname[1]))
        self._servers.append(server)
        log.info("listening on %s (%s)", self.addresses[listener.name], listener.name)

    async def serve_forever(self) -> None:
        if not self.ready.is_set():
            await self.start()
        await self._stopped.wait()

    async def stop(self, deadline: float = 5.0) -> None:
        """Stop accepting, ask every session to end (421 at its next read), cancel what is left at the deadline."""
        for server in self._servers:
            server.close()
        if self._refresher is not None:
            self._refresher.cancel()
        for link in self._sessions.values():
            link.request_shutdown()
        tasks = list(self._sessions)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=deadline)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        for server in self._servers:
            await server.wait_closed()
        for listener in self.config.listeners:
            if listener.address.kind == "unix" and listener.name in self.addresses:
                Path(listener.address.path).unlink(missing_ok=True)
        self._stopped.set()

    async def refresh_stores(self) -> list[str]:
        """Re-read changed credential stores now; returns the URIs that were reloaded."""
        return await asyncio.to_thread(self.credentials.refresh)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.store_refresh_interval)
            await self.refresh_stores()

    def active_sessions(self, listener_name: str) -> int:
        return self._active.get(listener_name, 0)

    # ----- sessions ---------------------------------------------------------------------------------

    def _spawn(self, listener: ListenerSpec, resolver: PolicyResolver, link: _Link) -> None:
        task = asyncio.get_running_loop().create_task(self._session(listener, resolver, link))
        self._sessions[task] = link
        task.add_done_callback(lambda t: self._sessions.pop(t, None))

    async def _session(self, listener: ListenerSpec, resolver: PolicyResolver, link: _Link) -> None:
        ip, port = link.peer()
        policy = resolver(ip or None)
        cap = policy.listener_sessions
        if cap and self._active[listener.name] >= cap:
            log.warning("%s: refusing %s:%s, %d sessions open", listener.name, ip, port, cap)
            await link.write(replies.CONCURRENCY_LIMIT.render(True), policy.idle_time)
            link.close()
            return
        self._active[listener.name] += 1
        log.info("%s: connection from %s:%s", listener.name, ip, port)
        try:
            if policy.use_ssl:
                await link.start_tls(self._ssl_context(policy), policy.idle_time)
            conn = SmtpConnection(
                policy,
                self.config.hostname,
                self.credentials,
                client=(ip, port),
                clock=self._clock,
                random_bytes=self._random,
                tls=policy.use_ssl,
            )
            await self._converse(listener, conn, link)
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError) as exc:
            log.info("%s: connection from %s:%s ended: %r", listener.name, ip, port, exc)
        except Exception:
            log.exception("%s: session with %s:%s failed", listener.name, ip, port)
        finally:
            self._active[listener.name] -= 1
            link.close()

    async def _converse(self, listener: ListenerSpec, conn: SmtpConnection, link: _Link) -> None:
        policy = conn.policy
        while True:
            event = conn.next_event()
            if isinstance(event, StartTls):
                # The 220 and the handshake start must happen without yielding to the loop in between, or
                # the client's ClientHello would be read (and dropped) as plaintext.
                await link.start_tls(self._ssl_context(policy), policy.idle_time, first=conn.data_to_send())
                conn.tls_started()
                continue
            if isinstance(event, AuthAttempted):
                # Recorded before the client sees the verdict, so the log never lags behind the reply.
                await self._record_auth(listener, conn, event)
            await link.write(conn.data_to_send(), policy.idle_time)
            if event is NEED_DATA:
                await self._receive(conn, link)
            elif isinstance(event, MessageReceived):
                await self._store(conn, event)
            elif isinstance(event, Close):
                log.info("%s: closing %s:%s: %s", listener.name, conn.client_ip, conn.client_port, event.reason)
                return
            elif event is PAUSED:
                raise RuntimeError("protocol paused although every event was handled")

    async def _receive(self, conn: SmtpConnection, link: _Link) -> None:
        timeout = conn.policy.data_timeout if conn.reading_data else conn.policy.idle_time
        try:
            chunk = await asyncio.wait_for(link.read(), timeout)
        except TimeoutError:
            conn.timeout()
            return
        if isinstance(chunk, bytes):
            conn.receive_data(chunk)
        else:
            conn.shutdown()

    async def _store(self, conn: SmtpConnection, event: MessageReceived) -> None:
        env = event.envelope
        try:
            path = await asyncio.to_thread(self._maildir.deliver, event.data, env.queue_id, env.received_at)
        except SpoolError as exc:
            log.error("message %s from %s not stored: %s", env.queue_id, env.client_ip, exc)
            conn.message_rejected(exc.reply)
            return
        except Exception:
            log.exception("message %s from %s not stored", env.queue_id, env.client_ip)
            conn.message_rejected(replies.SPOOL_ERROR)
            return
        log.info("message %s stored as %s (%d recipients)", env.queue_id, path.name, len(env.rcpt_to))
        conn.message_stored(env.queue_id)

    async def _record_auth(self, listener: ListenerSpec, conn: SmtpConnection, event: AuthAttempted) -> None:
        outcome = "timeout" if event.timeout else ("success" if event.success else "failure")
        log.info("%s: AUTH %s user=%r from %s: %s", listener.name, event.mechanism, event.user, conn.client_ip, outcome)
        path = self.config.acctlog_path
        if path is None or not event.log:
            return
        client = acctlog.client_field(conn.client_ip, conn.client_port)
        line = acctlog.format_line(self._clock(), listener.name, client, event.user, event.success, event.timeout)
        try:
            await asyncio.to_thread(acctlog.append, path, line)
        except OSError as exc:
            log.error("cannot write accounting log %s: %s", path, exc)

    # ----- TLS --------------------------------------------------------------------------------------

    def _ssl_context(self, policy: SessionPolicy) -> ssl.SSLContext:
        key = (policy.tls_certificate, policy.tls_key, policy.tls_protocols, policy.tls_ciphers)
        context = self._ssl.get(key)
        if context is None:
            if policy.tls_certificate is None or policy.tls_key is None:
                raise ssl.SSLError("TLS requested but TLS_Certificate or TLS_Key is not set")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(policy.tls_certificate, policy.tls_key)
            versions = allowed_versions(policy.tls_protocols)
            if versions:
                context.minimum_version = _TLS_VERSIONS[versions[0]]
                context.maximum_version = _TLS_VERSIONS[versions[-1]]
            if policy.tls_ciphers:
                context.set_ciphers(policy.tls_ciphers)
            self._ssl[key] = context
        return context
