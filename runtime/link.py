"""One client connection as the server sees it: input handed to whoever waits for it, flow-controlled writes.

Rule of this room: transport plumbing only (asyncio.Protocol callbacks, read pausing, write backpressure, the
STARTTLS swap), no SMTP and no policy. Input is handed on at most TURN_BYTES per turn of the loop: a backlog
waits for the next turn (reading paused past READ_PAUSE_AT), so no client's flood holds the loop. A closed
connection whose replies are not taken is dropped after LINGER seconds. The bottom of the asyncio shell's
one-way chain (link <- session_driver <- server, tests/test_boundaries.py): it knows its callers only as the
interfaces below (InputSink, ClientWatcher, the `on_connect` callable) and imports no other room of the shell.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Protocol

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


class ClientWatcher(Protocol):
    """The session over a link (`Link.session`), told what becomes of the client while it does not wait
    for input: a half-close, or the connection gone."""

    def on_eof(self) -> None: ...
    def on_lost(self) -> None: ...


class Link(asyncio.Protocol):
    """One transport seen as input handed to a waiting sink and flow-controlled writes; survives the
    STARTTLS swap."""

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
        "_loop",
        "_on_connect",
        "_paused",
        "_shutdown",
        "_timer",
        "_tls",
        "session",
        "transport",
    )

    def __init__(self, on_connect: Callable[[Link], None], loop: asyncio.AbstractEventLoop) -> None:
        # Told of this link once its transport is up: who serves it is the caller's business, not the link's.
        self._on_connect = on_connect
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
        self._deadline = 0.0  # loop time at which the waiting sink is told of the silence
        self._timer: asyncio.TimerHandle | None = None
        self._blocked = False  # the transport's buffer is over its high-water mark
        self._drained: asyncio.Future[None] | None = None  # set while drained() waits
        # Who waits for input (wait_input): input, its end, a timeout or a shutdown is handed to it directly,
        # with no future and no task in between.
        self._driver: InputSink | None = None
        # The client's address when a PROXY header named it (proxy_intake.py); else the socket's peer.
        self._client: tuple[str, int] | None = None
        self.session: ClientWatcher | None = None  # the session over this link, told when the client is gone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._on_connect(self)

    def data_received(self, data: bytes) -> None:
        driver = self._driver
        if driver is not None and len(data) <= TURN_BYTES:
            self._driver = None
            driver.on_input(data)
            return
        self._inbox.append(data)
        self._buffered += len(data)
        if self._buffered > READ_PAUSE_AT and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        if driver is not None:  # more than a turn's worth: the first part now, the rest in later turns
            self._driver = None
            driver.on_input(self.take_input() or b"")

    def eof_received(self) -> bool:
        self._eof = True
        if self._driver is not None:
            self._end_of_input()
        elif self.session is not None:
            self.session.on_eof()
        # Keep a plain transport open after a half-close: the replies to what the client sent before its
        # EOF (`printf 'EHLO x\r\nQUIT\r\n' | nc ...`) still have to go out. SSL ignores the answer.
        return not self._tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._end_of_input()
        self.resume_writing()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        session, self.session = self.session, None
        if session is not None:
            session.on_lost()  # whatever it waits for (a penalty, the disk, a drain): its slot is free now

    def pause_writing(self) -> None:
        self._blocked = True

    def resume_writing(self) -> None:
        self._blocked = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def request_shutdown(self) -> None:
        self._shutdown = True
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
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def shutdown_requested(self) -> bool:
        return self._shutdown

    def _arm(self, timeout: float) -> None:
        """The waiting sink is told of the silence `timeout` seconds from now."""
        loop = self._loop
        deadline = self._deadline = loop.time() + timeout
        if self._timer is None or self._timer.when() > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self._timer = None
        if self._driver is None:
            return  # nobody waits; the next wait_input sets its own deadline
        if self._loop.time() >= self._deadline:
            driver, self._driver = self._driver, None
            driver.on_timeout()
        else:
            self._timer = self._loop.call_at(self._deadline, self._expire)

    async def drained(self, timeout: float) -> None:
        """Return once the transport is below its high-water mark again (at once if it is); TimeoutError when
        the client has not taken its replies for `timeout` seconds."""
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
