"""One connection's SMTP session, driven from callbacks: one pump for plain, STARTTLS and implicit-TLS sessions.

Rule of this room: part of the asyncio shell (link <- session_driver <- server, a one-way chain); it carries
out what the sans-IO protocol asks (events) and holds no SMTP logic. Every step of every session is written
once, in `_pump`, which runs the protocol on until it must wait, and every wait ends by calling it again: the
link hands it input (`on_input`), the disk thread its results (`_disk_done`), a compute thread its answer
(`_computed`), a timer or the shared penalty table the end of an AUTH hold (`_held`, `_shared_answer`). A
session costs no task while it waits for any of these: a task per command (a future per read, a wake-up per
disk write) was a measurable share of the server's time. The two waits that are coroutines in asyncio — a
TLS handshake (STARTTLS, implicit TLS) and a client that does not take its replies (the drain, up to
Idle_Time) — are small tasks whose completion re-enters the same pump (`_handshaken`, `_drained`). The
server is known only as a SessionHost (session_host.py); what goes to the disk and the logs is
session_records.py's.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable, Coroutine

from . import observe, session_records
from .config import SessionPolicy
from .events import FLUSH, NEED_DATA, AuthAttempted, AuthVerdict, Close, MessageReceived, Offload, StartTls
from .link import TURN_BYTES, Link
from .listeners import Generation, Slot
from .protocol import SmtpConnection
from .session_host import SessionHost

log = logging.getLogger(__name__.rpartition(".")[0] + ".server")  # the server's log, as before the split

Wait = Coroutine[object, object, None]


class CancelledWork(Exception):
    """The compute threads were shut down before an Offload's work ran."""


class Session:
    """Drives one SmtpConnection over one Link until it closes."""

    __slots__ = (
        "_gen",
        "_handshaking",
        "_holding",
        "_host",
        "_job",
        "_over",
        "_pending",
        "_policy",
        "_slot",
        "_wait",
        "conn",
        "link",
        "sid",
    )

    def __init__(
        self,
        host: SessionHost,
        slot: Slot,
        gen: Generation,
        link: Link,
        policy: SessionPolicy,
        conn: SmtpConnection | None,
        sid: str = "",
    ) -> None:
        self._host, self._slot, self._gen, self.link, self._policy = host, slot, gen, link, policy
        self.sid = sid  # on every log line of this session: "[sid] ..."
        self.conn = conn  # None until an implicit-TLS handshake is done
        # The event whose disk job is running, or the future of its costly AUTH work.
        self._job: MessageReceived | AuthAttempted | asyncio.Future[object] | None = None
        self._wait: asyncio.Task[None] | None = None  # a handshake or a drain in flight
        self._handshaking = False  # that task is a TLS handshake: no clear-text last word into it
        self._pending: MessageReceived | None = None  # a message whose delivery waits for the drain
        self._over = False
        self._holding = False  # an AUTH answer is held back (a timer, or the shared table's answer)

    def start(self) -> None:
        if self.conn is not None:
            self._pump()
            return
        try:  # implicit TLS: the banner comes after the handshake
            context = self._host.ssl_context(self._policy)
        except Exception as exc:
            self._fail(exc)
            return
        self._handshake(self.link.start_tls(context, self._policy.idle_time, replay=True))

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The handshake or drain this session waits for, if any (the server awaits it when it stops)."""
        return self._wait

    # ----- the link's callbacks -----------------------------------------------------------------------

    def on_input(self, data: bytes) -> None:
        """The link's callback while the session waits for input: bytes, or b"" at end of stream."""
        try:
            self.conn.receive_data(data)  # type: ignore[union-attr]
        except Exception as exc:
            self._fail(exc)
            return
        self._pump(len(data))

    def on_lost(self) -> None:
        """The client has gone: its slot and socket are freed now, whatever is held for it. A disk job in
        flight still finishes (an abandoned AUTH's accounting line is written), its result finds nobody; a
        held AUTH answer's timer finds the session over; a handshake or drain in flight is cancelled."""
        self._end()

    def on_eof(self) -> None:
        """The client closed its side while the session was not waiting for input. While an AUTH answer is
        held for it the session ends now, with whatever it pipelined before its EOF unanswered: SMTP clients
        do not half-close, and one that does must not keep its slot for the penalty's length (nor read the
        verdict early). Otherwise what was read is answered first: a disk job's result, a handshake or a
        drain, then the input left, then the end of input."""
        if self._over:
            return
        if self._holding or (self._wait is None and self._job is None and not self.link.has_input):
            self._end()

    def on_shutdown(self) -> None:
        self._pump()  # at rest it says goodbye now; in a transaction it waits for input again

    def on_timeout(self) -> None:
        try:
            self.conn.timeout()  # type: ignore[union-attr]
        except Exception as exc:
            self._fail(exc)
            return
        self._pump()

    # ----- the pump -----------------------------------------------------------------------------------

    def _pump(self, fed: int = 0) -> None:
        """Run the protocol until it must wait: for input, the disk, a compute thread, a penalty, a handshake
        or the client taking its replies; or until it has been fed a turn's worth of input (`fed` bytes so
        far), when the rest waits for a later turn of the loop, so that no session holds the loop however
        much it pipelines."""
        conn, link = self.conn, self.link
        assert conn is not None
        try:
            while True:
                event = conn.next_event()
                if event is NEED_DATA:
                    if not self._flush():
                        return
                    if link.shutdown_requested and conn.at_rest:
                        conn.shutdown()
                        continue
                    if fed >= TURN_BYTES and link.has_input:
                        link.loop.call_soon(self._next_turn)
                        return
                    chunk = link.take_input()
                    if chunk is None:
                        link.wait_input(self, conn.read_timeout())
                        return
                    fed += len(chunk)
                    conn.receive_data(chunk)
                elif isinstance(event, MessageReceived):
                    link.write_nowait(conn.data_to_send())  # what came before the message goes out first
                    if link.blocked:  # ... and is taken before the message is stored
                        self._pending = event
                        self._drain()
                    else:
                        self._deliver(event)
                    return
                elif isinstance(event, AuthAttempted):
                    # Recorded before the client sees the verdict, so the log never lags behind the reply.
                    line = session_records.auth_line(self.sid, self._slot, self._gen, conn, event, self._host.clock)
                    if line is not None:
                        self._job = event
                        self._host.submit(line, self._disk_done)
                        return
                    if not self._hold(event) or not self._flush():
                        return
                elif isinstance(event, Offload):  # costly AUTH work: a compute thread, never the loop
                    self._job = self._host.compute(event)
                    self._job.add_done_callback(self._computed)
                    return
                elif isinstance(event, AuthVerdict):  # a 334 that tells right from wrong: held alike
                    if not self._hold(event) or not self._flush():
                        return
                elif isinstance(event, Close):
                    link.write_nowait(conn.data_to_send())
                    session_records.closing(self.sid, self._slot, conn, event)
                    self._end()
                    return
                elif event is FLUSH:
                    if not self._flush():
                        return
                elif isinstance(event, StartTls):
                    # The 220 goes out in the handshake task's first step, with the handshake's start and no
                    # turn of the loop in between: the client's ClientHello cannot be read as plaintext.
                    context = self._host.ssl_context(self._policy)
                    self._handshake(link.start_tls(context, self._policy.idle_time, first=conn.data_to_send()))
                    return
                else:  # PAUSED: waiting for the driver, yet the driver has nothing in flight
                    raise RuntimeError("protocol paused although every event was handled")
        except Exception as exc:
            self._fail(exc)

    def _next_turn(self) -> None:
        if not self._over and self._wait is None:
            self._pump()

    def _flush(self) -> bool:
        """Send what the protocol has to say; False (a drain task resumes the pump) when the client is not
        taking it."""
        self.link.write_nowait(self.conn.data_to_send())  # type: ignore[union-attr]
        if self.link.blocked:
            self._drain()
            return False
        return True

    def _deliver(self, event: MessageReceived) -> None:
        self._job = event
        self._host.submit(session_records.delivery(self._gen, event), self._disk_done)

    # ----- waits that end in the pump ---------------------------------------------------------------

    def _start(self, wait: Wait, done: Callable[[asyncio.Task[None]], None]) -> None:
        """Run `wait` as a task; `done` takes its end back to the pump. Input meanwhile stays buffered."""
        self.link.stop_waiting()
        self._wait = self.link.loop.create_task(wait)
        self._wait.add_done_callback(done)

    def _drain(self) -> None:
        """Wait up to Idle_Time for the client to take its replies."""
        self._start(self.link.drained(self._policy.idle_time), self._drained)

    def _handshake(self, wait: Wait) -> None:
        self._handshaking = True
        self._start(wait, self._handshaken)

    def _landed(self, task: asyncio.Task[None]) -> bool:
        """Whether the session goes on after `task`: not over (cancelled with it) and `task` did not fail."""
        self._wait = None
        self._handshaking = False
        if self._over:
            return False
        if task.cancelled():
            self._end()
            return False
        exc = task.exception()
        if exc is not None:
            self._fail(exc)  # a drain or handshake past Idle_Time, a failed handshake, a closed connection
            return False
        return True

    def _drained(self, task: asyncio.Task[None]) -> None:
        if not self._landed(task):
            return
        pending, self._pending = self._pending, None
        if pending is not None:
            self._deliver(pending)
        else:
            self._pump()

    def _handshaken(self, task: asyncio.Task[None]) -> None:
        if not self._landed(task):
            return
        try:
            if self.conn is None:  # implicit TLS: the session starts now, with its banner
                self.conn = self._host.connection(self._gen, self._policy, self.link.peer())
            else:
                self.conn.tls_started()
        except Exception as exc:
            self._fail(exc)
            return
        self._pump()

    # ----- answers from elsewhere -------------------------------------------------------------------

    def _disk_done(self, value: object, exc: BaseException | None) -> None:
        """The disk thread's result for this session's job, on the loop."""
        event, self._job = self._job, None
        conn = self.conn
        assert conn is not None
        if self._over:
            conn.discard()
            return
        try:
            if isinstance(event, MessageReceived):
                session_records.stored(self.sid, conn, event, value, exc)
            elif isinstance(event, AuthAttempted):
                if isinstance(exc, OSError):
                    log.error("[%s] cannot write accounting log %s: %s", self.sid, self._gen.config.acctlog_path, exc)
                elif exc is not None:
                    raise exc
                if not self._hold(event) or not self._flush():
                    return
        except Exception as error:
            self._fail(error)
            return
        self._pump()

    def _computed(self, done: asyncio.Future[object]) -> None:
        """An Offload's work has finished: its answer goes to the protocol, which reads its input again."""
        self._job = None
        if self._over:
            return
        error = CancelledWork() if done.cancelled() else done.exception()
        try:
            self.conn.computed(None if error is not None else done.result(), error)  # type: ignore[union-attr]
        except Exception as exc:
            self._fail(exc)
            return
        self._pump()

    def _hold(self, event: AuthAttempted | AuthVerdict) -> bool:
        """False when the answer is held back (a timer, or the shared table's answer, resumes the session)."""
        conn = self.conn
        assert conn is not None
        wait = self._host.hold(conn.client_ip, event, self._policy)
        if wait is None or isinstance(wait, (int, float)):  # the machine's own answer
            return self._held_for(wait)
        self._holding = True  # asked of a table shared between servers: resume on its answer
        wait.add_done_callback(self._shared_answer)
        return False

    def _shared_answer(self, done: asyncio.Future[float | None]) -> None:
        self._holding = False
        if self._over:
            return
        wait = 0.0 if done.cancelled() else done.result()
        if self._held_for(wait) and self._flush():
            self._pump()

    def _held_for(self, wait: float | None) -> bool:
        """False when the answer is held back `wait` seconds (a timer resumes the session)."""
        conn = self.conn
        assert conn is not None
        if wait is None:
            log.info("[%s] AUTH answer to %s refused: too many attempts from that address", self.sid, conn.client_ip)
            conn.refuse_verdict()
            return True
        if wait <= 0:
            return True
        if self.link.input_ended:  # gone before its answer could be held: nobody to hold it for
            ip = conn.client_ip
            log.info("[%s] AUTH answer to %s not held (%.2f s): the client has closed its side", self.sid, ip, wait)
            self._end()
            return False
        log.info("[%s] AUTH answer to %s held back %.2f s after failures", self.sid, conn.client_ip, wait)
        observe.hooks.penalty_held()
        self._holding = True
        self.link.loop.call_later(wait, self._held)
        return False

    def _held(self) -> None:
        self._holding = False
        if not self._over and self._flush():
            self._pump()

    # ----- the end ------------------------------------------------------------------------------------

    def _end(self) -> None:
        if self._over:
            return
        self._over = True
        if self._wait is not None:
            self._wait.cancel()  # a handshake or drain nobody will resume from
        if isinstance(self._job, asyncio.Future):
            self._job.cancel()  # costly work nobody will read: not started yet, it never runs
            self._job = None  # no share of the memory budget rides on it
        if self.conn is not None and self._job is None:
            # A client gone mid-DATA gives its share of the memory budget back; one whose message is on the
            # disk thread keeps it until the write is done (_disk_done), so a slow disk cannot be made to
            # queue more than the budget by clients that leave after their final dot.
            self.conn.discard()
        self.link.close()
        self._host.forget(self.link)

    def _fail(self, exc: BaseException) -> None:
        ip, port = self.link.peer()
        name = self._slot.spec.name
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            log.info("[%s] %s: connection from %s:%s ended: %r", self.sid, name, ip, port, exc)
        else:
            log.error("[%s] %s: session with %s:%s failed", self.sid, name, ip, port, exc_info=exc)
        self._end()

    def abort(self) -> None:
        """The drain deadline passed: a last word (421) before the line goes dead; none into a handshake,
        which would read it as a broken TLS record."""
        if self._over:
            return
        if self.conn is not None and not self._handshaking:
            self.conn.shutdown()
            self.link.write_nowait(self.conn.data_to_send())
        self._end()
