"""One client connection as the server sees it: input handed to a waiting session (or awaitable reads) and
flow-controlled writes.

Rule of this room: transport plumbing only (asyncio.Protocol callbacks, read pausing, write backpressure, the
STARTTLS swap), no SMTP and no policy. Input is handed on at most TURN_BYTES per turn of the loop: a backlog
waits for the next turn (reading paused past READ_PAUSE_AT), so no client's flood holds the loop. A closed
connection whose replies are not taken is dropped after LINGER seconds. With runtime/server.py and
runtime/session_driver.py it forms the asyncio shell: the only runtime files that touch asyncio, sockets or
ssl.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Protocol

from . import feed
from .events import Event, Sentinel
from .listeners import Slot
from .protocol import SmtpConnection

if TYPE_CHECKING:
    from .server import Server
    from .session_driver import Session

READ_PAUSE_AT = 256 * 1024  # stop reading from a client that sends faster than we process
# Input a session handles in one turn of the event loop; a backlog waits for the next turn (call_soon), so
# one client pipelining megabytes of commands cannot keep the loop from every other session.
TURN_BYTES = 16 * 1024
_REPLAY_TURNS = 8  # turns of the loop a replay waits for the TLS protocol start_tls sets up
LINGER = 2.0  # seconds a closed connection may take to deliver its last replies before it is dropped


class InputSink(Protocol):
    """Who a link hands its next input to (wait_input): a session, or the PROXY header reader before it."""

    def on_input(self, data: bytes) -> None: ...
    def on_timeout(self) -> None: ...
    def on_shutdown(self) -> None: ...


class Link(asyncio.Protocol):
    """One transport seen as awaitable reads and flow-controlled writes; survives the STARTTLS swap."""

    # Slots and no per-link Event, lambda or closure: thousands of idle sessions each hold one of these.
    __slots__ = (
        "_blocked",
        "_buffered",
        "_client",
        "_deadline",
        "_drained",
        "_driver",
        "_eof",
        "_inbox",
        "_inline",
        "_loop",
        "_paused",
        "_pending",
        "_server",
        "_shutdown",
        "_slot",
        "_stop_on_shutdown",
        "_timer",
        "_tls",
        "_waiter",
        "session",
        "transport",
    )

    def __init__(self, server: Server, slot: Slot, loop: asyncio.AbstractEventLoop) -> None:
        self._server, self._slot = server, slot
        # The running loop, kept: asyncio.get_running_loop() costs a getpid() system call each time, and the
        # hot paths below asked for it about a dozen times a session.
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._inbox: list[bytes] = []
        self._buffered = 0
        self._paused = False
        self._eof = False
        self._tls = False
        self._shutdown = False
        self._stop_on_shutdown = True
        self._waiter: asyncio.Future[None] | None = None  # set while read() waits
        self._deadline = 0.0  # loop time at which the waiting read() gives up
        self._timer: asyncio.TimerHandle | None = None
        self._blocked = False  # the transport's buffer is over its high-water mark
        self._drained: asyncio.Future[None] | None = None  # set while write() waits for it to drain
        # While read() waits with a connection to answer for, input is handled right in data_received; what
        # needs the session (an event, an error) waits in _pending and wakes it.
        self._inline: SmtpConnection | None = None
        self._pending: Event | Sentinel | Exception | None = None
        # A session driven from callbacks that waits for input (wait_input): input, its end, a timeout or a
        # shutdown is handed to it directly, with no future and no task in between.
        self._driver: InputSink | None = None
        # The client's address when a PROXY header named it (proxy_intake.py); else the socket's peer.
        self._client: tuple[str, int] | None = None
        self.session: Session | None = None  # the session over this link, told when the client is gone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._server._spawn(self._slot, self)

    def data_received(self, data: bytes) -> None:
        driver = self._driver
        small = len(data) <= TURN_BYTES
        if driver is not None and small:
            self._driver = None
            driver.on_input(data)
            return
        conn = self._inline
        if conn is not None and self._waiter is not None and self._pending is None and not self._inbox:
            if small and not self._shutdown and not self._blocked:
                self._answer_inline(conn, data)
                return
        self._inbox.append(data)
        self._buffered += len(data)
        if self._buffered > READ_PAUSE_AT and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        if driver is not None:  # more than a turn's worth: the first part now, the rest in later turns
            self._driver = None
            driver.on_input(self.take_input() or b"")
            return
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        if self._driver is not None:
            self._end_of_input()
        elif self.session is not None:
            self.session.on_eof()
        # Keep a plain transport open after a half-close: the replies to what the client sent before its
        # EOF (`printf 'EHLO x\r\nQUIT\r\n' | nc ...`) still have to go out. SSL ignores the answer.
        return not self._tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._wake()
        self._end_of_input()
        self.resume_writing()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        session, self.session = self.session, None
        if session is not None:
            session.on_lost()  # whatever it waits for (a penalty, the disk, a task): its slot is free now

    def pause_writing(self) -> None:
        self._blocked = True

    def resume_writing(self) -> None:
        self._blocked = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def request_shutdown(self) -> None:
        self._shutdown = True
        self._wake()
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.on_shutdown()  # it decides whether it may stop now (at rest) or later

    def _end_of_input(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.on_input(b"")

    # ----- for a session driven from callbacks ---------------------------------------------------------

    def wait_input(self, driver: InputSink, timeout: float) -> None:
        """Hand the next input (or its end, or a shutdown request) to `driver`; `timeout` s of silence calls
        its on_timeout. Only when take_input() has returned None: nothing is buffered."""
        self._driver = driver
        self._arm(timeout)

    def stop_waiting(self) -> None:
        self._driver = None

    def take_input(self) -> bytes | None:
        """What arrived while the session was busy, at most TURN_BYTES of it (the rest stays for the next
        call, see `has_input`): the bytes, b"" at end of stream, None if nothing."""
        inbox = self._inbox
        if not inbox:
            return b"" if self._eof else None
        if self._buffered <= TURN_BYTES:
            chunk = inbox[0] if len(inbox) == 1 else b"".join(inbox)
            inbox.clear()
            self._buffered = 0
        else:
            chunk = self._slice()
        if self._paused and self._buffered < READ_PAUSE_AT and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    def _slice(self) -> bytes:
        """The first TURN_BYTES of the inbox, taken off it."""
        inbox, parts, size = self._inbox, [], 0
        while size < TURN_BYTES:
            piece = inbox.pop(0)
            room = TURN_BYTES - size
            if len(piece) > room:
                inbox.insert(0, piece[room:])
                piece = piece[:room]
            parts.append(piece)
            size += len(piece)
        self._buffered -= size
        return parts[0] if len(parts) == 1 else b"".join(parts)

    @property
    def input_ended(self) -> bool:
        """The client has closed its side (or the connection is gone): nothing more will arrive."""
        return self._eof

    @property
    def has_input(self) -> bool:
        """Input is waiting to be taken (take_input gives it a turn's worth at a time)."""
        return bool(self._inbox)

    @property
    def blocked(self) -> bool:
        """The transport's buffer is over its high-water mark: wait for the client to take its replies."""
        return self._blocked

    @property
    def reading(self) -> bool:
        """A parked session's read() is waiting for input."""
        return self._waiter is not None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def shutdown_requested(self) -> bool:
        return self._shutdown

    def _answer_inline(self, conn: SmtpConnection, data: bytes) -> None:
        """The fast path (feed.answer): saves a trip through the event loop for each command."""
        out, self._pending = feed.answer(conn, data)
        self.write_nowait(out)
        if self._pending is None:
            self._arm(conn.read_timeout())
        else:
            self._wake()

    async def read(
        self, timeout: float, stop_on_shutdown: bool = True, inline: SmtpConnection | None = None
    ) -> bytes | type[feed.Shutdown] | Event | Sentinel:
        """The bytes received so far (at least one), b"" at end of stream, or feed.Shutdown when asked to stop;
        TimeoutError when nothing came for `timeout` seconds. With `inline`, input that arrives meanwhile is
        fed to it at once; then the first event it needs the session for is returned instead of bytes, and
        a shutdown stops the read only while `inline` is at rest (it may have started a transaction since)."""
        self._stop_on_shutdown, self._inline = stop_on_shutdown, inline
        try:
            if self._buffered > TURN_BYTES:
                await asyncio.sleep(0)  # a backlog: the other sessions get a turn before the next slice
            if not self._inbox and not self._eof and not self._stopping():
                # One future per wait and one lazily moved timer per link: cheaper than wait_for (a task and
                # a timer per read), which costs a busy server a measurable share of its time.
                loop = self._loop
                self._arm(timeout)
                while not self._inbox and not self._eof and not self._stopping() and self._pending is None:
                    if loop.time() >= self._deadline:
                        raise TimeoutError
                    self._waiter = loop.create_future()
                    try:
                        await self._waiter
                    finally:
                        self._waiter = None
            pending, self._pending = self._pending, None
            if isinstance(pending, Exception):
                raise pending
            if pending is not None:
                return pending
            if self._stopping():
                return feed.Shutdown
        finally:
            self._inline = None
        return self.take_input() or b""

    def _stopping(self) -> bool:
        if not self._shutdown:
            return False
        return self._inline.at_rest if self._inline is not None else self._stop_on_shutdown

    def _arm(self, timeout: float) -> None:
        """The waiting read gives up `timeout` seconds from now."""
        loop = self._loop
        deadline = self._deadline = loop.time() + timeout
        if self._timer is None or self._timer.when() > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self._timer = None
        if self._waiter is None and self._driver is None:
            return  # nobody waits; the next read sets its own deadline
        if self._loop.time() >= self._deadline:
            driver, self._driver = self._driver, None
            if driver is not None:
                driver.on_timeout()
            self._wake()
        else:
            self._timer = self._loop.call_at(self._deadline, self._expire)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def write(self, data: bytes, timeout: float) -> None:
        """Send `data`, then wait (up to `timeout`) until the transport is below its high-water mark again."""
        self.write_nowait(data)
        if self._blocked:
            self._drained = self._loop.create_future()
            try:
                await asyncio.wait_for(self._drained, timeout)
            finally:
                self._drained = None

    def write_nowait(self, data: bytes) -> None:
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def buffered_output(self) -> int:
        return self.transport.get_write_buffer_size() if self.transport is not None else 0

    async def start_tls(
        self, context: ssl.SSLContext, timeout: float, first: bytes = b"", replay: bool = False
    ) -> None:
        """Send `first` (the 220) and start the handshake in one go, with no await in between. With `replay`
        (implicit TLS), what has arrived already is the start of the handshake, handed to the TLS layer."""
        # STARTTLS: whatever arrived before this point was sent before the client saw our 220: clear text
        # that must never be read as if it had been protected.
        early = b"".join(self._inbox) if replay else b""
        self._inbox.clear()
        self._buffered = 0
        self._paused = False  # the TLS transport starts reading afresh
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("connection already closed")
        if first:
            self.transport.write(first)
        if early:
            # After a PROXY header, a client's ClientHello may have come in the header's segment. The TLS
            # protocol is set up by callbacks start_tls schedules; the bytes go to it once the raw
            # transport reads again, as if it had just read them.
            self._loop.call_soon(self._replay, self.transport, early, _REPLAY_TURNS)
        new = await self._loop.start_tls(self.transport, self, context, server_side=True, ssl_handshake_timeout=timeout)
        if new is None:
            raise ConnectionError("connection closed during the TLS handshake")
        self.transport = new
        self._tls = True

    def _replay(self, raw: asyncio.Transport, data: bytes, turns: int) -> None:
        protocol = raw.get_protocol()
        if raw.is_closing():
            return
        if protocol is self or not raw.is_reading():
            if turns > 0:  # not set up yet: a later turn (start_tls schedules two callbacks of its own)
                self._loop.call_soon(self._replay, raw, data, turns - 1)
            else:
                raw.abort()  # the handshake would wait for bytes that were already read
            return
        if isinstance(protocol, asyncio.BufferedProtocol):
            view = memoryview(data)
            while view:
                buffer = memoryview(protocol.get_buffer(len(view)))
                size = min(len(buffer), len(view))
                buffer[:size] = view[:size]
                protocol.buffer_updated(size)
                view = view[size:]
        else:
            protocol.data_received(data)  # type: ignore[attr-defined]

    def unread(self, data: bytes) -> None:
        """Put `data` back in front of the input: what a client sent right after its PROXY header."""
        if data:
            self._inbox.insert(0, data)
            self._buffered += len(data)

    def set_client(self, client: tuple[str, int]) -> None:
        """From now on `peer()` is the client a PROXY header named, not the proxy that connected."""
        self._client = client

    def peer(self) -> tuple[str, int]:
        if self._client is not None:
            return self._client
        name = self.transport.get_extra_info("peername") if self.transport is not None else None
        return (str(name[0]), int(name[1])) if isinstance(name, tuple) else ("", 0)

    def close(self) -> None:
        """Close after what was written has gone out; when the client is not taking it (replies still in
        the buffer), give it LINGER seconds, then drop the connection: a client that never reads must not
        keep its socket for ever."""
        transport = self.transport
        if transport is None:
            return
        if not transport.is_closing():
            transport.close()
        if transport.get_write_buffer_size():
            self._loop.call_later(LINGER, transport.abort)

    def abort(self) -> None:
        """Drop the connection now, whatever is still unsent."""
        if self.transport is not None:
            self.transport.abort()
