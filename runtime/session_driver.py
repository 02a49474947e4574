"""One connection's SMTP session, driven from the transport's callbacks; a task only for the rare waits.

Rule of this room: with server.py and link.py part of the asyncio shell; it carries out what the sans-IO
protocol asks (events) and holds no SMTP logic. A session costs no task while it only waits for input, for
its disk writes or for an AUTH penalty: the link hands it the bytes (`on_input`), the disk thread its results
(`_disk_done`), a timer the end of a wait, the penalty table shared between servers its answer
(`_shared_answer`), and each of them runs the protocol on to its next wait. A task per
command (a future per read, a wake-up per disk write) was a measurable share of the server's time. What needs
a coroutine — a TLS handshake, a client that does not read its replies (backpressure), an event the
callbacks do not handle — parks the session in a task (`_park`) for the rest of its life: `_converse`, the
same steps written as awaits.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from functools import partial
from typing import TYPE_CHECKING, cast

from . import envelope, feed, observe, replies, sessionlog
from .config import SessionPolicy
from .diskqueue import Append, Deliver
from .events import (
    FLUSH,
    NEED_DATA,
    PAUSED,
    AuthAttempted,
    AuthVerdict,
    Close,
    Event,
    MessageReceived,
    Offload,
    Sentinel,
    StartTls,
)
from .link import TURN_BYTES, Link
from .listeners import Generation, Slot
from .protocol import SmtpConnection
from .spool import SpoolError

if TYPE_CHECKING:
    from .server import Server

log = logging.getLogger(__name__.rpartition(".")[0] + ".server")  # the server's log, as before the split


class CancelledWork(Exception):
    """The compute threads were shut down before an Offload's work ran."""


class Session:
    """Drives one SmtpConnection over one Link until it closes."""

    __slots__ = (
        "_gen",
        "_holding",
        "_job",
        "_over",
        "_pausing",
        "_policy",
        "_server",
        "_slot",
        "conn",
        "link",
        "sid",
        "task",
    )

    def __init__(
        self,
        server: Server,
        slot: Slot,
        gen: Generation,
        link: Link,
        policy: SessionPolicy,
        conn: SmtpConnection | None,
        sid: str = "",
    ) -> None:
        self._server, self._slot, self._gen, self.link, self._policy = server, slot, gen, link, policy
        self.sid = sid  # on every log line of this session: "[sid] ..."
        self.conn = conn  # None until an implicit-TLS handshake is done
        self.task: asyncio.Task[None] | None = None  # set once the session is parked in a task
        # The event whose disk job is running, or the future of its costly AUTH work.
        self._job: MessageReceived | AuthAttempted | asyncio.Future[object] | None = None
        self._over = False
        self._pausing = False  # parked in a penalty wait
        self._holding = False  # a timer holds an AUTH answer back (callback mode)

    def start(self) -> None:
        if self.conn is None:
            self._park(None)  # implicit TLS: the handshake is a coroutine
        else:
            self._pump()

    # ----- callback mode ------------------------------------------------------------------------------

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
        held AUTH answer's timer finds the session over; a parked task ends when it next runs."""
        if self._over:
            return
        self._end()
        task = self.task
        if task is not None and not self.link.reading:
            task.cancel()  # a task reading sees the end of input itself and logs what was abandoned

    def on_eof(self) -> None:
        """The client closed its side while the session was not waiting for input. While an AUTH answer is
        held for it (a timer in callback mode, the penalty sleep when parked) the session ends now, with
        whatever it pipelined before its EOF unanswered: SMTP clients do not half-close, and one that does
        must not keep its slot for the penalty's length (nor read the verdict early). Otherwise what was
        read is answered first: a disk job's result, then the input left, then the end of input."""
        if self._over:
            return
        if self._holding or self._pausing:
            self.on_lost()  # a timer finds the session over; a parked task's sleep is cancelled
        elif self.task is None and self._job is None and not self.link.has_input:
            self.on_lost()

    def on_shutdown(self) -> None:
        self._pump()  # at rest it says goodbye now; in a transaction it waits for input again

    def on_timeout(self) -> None:
        try:
            self.conn.timeout()  # type: ignore[union-attr]
        except Exception as exc:
            self._fail(exc)
            return
        self._pump()

    def _pump(self, fed: int = 0) -> None:
        """Run the protocol until it must wait: for input, the disk, a penalty, or (parked) a coroutine; or
        until it has been fed a turn's worth of input (`fed` bytes so far), when the rest waits for a later
        turn of the loop, so that no session holds the loop however much it pipelines."""
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
                    if link.blocked:
                        self._park(event)
                        return
                    self._job = event
                    self._server.submit(self._delivery(event), self._disk_done)
                    return
                elif isinstance(event, AuthAttempted):
                    # Recorded before the client sees the verdict, so the log never lags behind the reply.
                    line = self._auth_line(event)
                    if line is not None:
                        self._job = event
                        self._server.submit(line, self._disk_done)
                        return
                    if not self._hold(event) or not self._flush():
                        return
                elif isinstance(event, Offload):  # costly AUTH work: a compute thread, never the loop
                    self._job = self._server.compute(event)
                    self._job.add_done_callback(self._computed)
                    return
                elif isinstance(event, AuthVerdict):  # a 334 that tells right from wrong: held alike
                    if not self._hold(event) or not self._flush():
                        return
                elif isinstance(event, Close):
                    link.write_nowait(conn.data_to_send())
                    self._closing(conn, event)
                    self._end()
                    return
                elif event is FLUSH:
                    if not self._flush():
                        return
                else:
                    self._park(event)  # STARTTLS (or a protocol gone wrong): the coroutine deals with it
                    return
        except Exception as exc:
            self._fail(exc)

    def _next_turn(self) -> None:
        if not self._over and self.task is None:
            self._pump()

    def _flush(self) -> bool:
        """Send what the protocol has to say; False (and parked) when the client is not taking it."""
        self.link.write_nowait(self.conn.data_to_send())  # type: ignore[union-attr]
        if self.link.blocked:
            self._park(None)  # the coroutine waits for the drain, up to Idle_Time
            return False
        return True

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
                self._stored(conn, event, value, exc)
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
        """False when the answer is held back (a timer resumes the session)."""
        conn = self.conn
        assert conn is not None
        wait = self._server.penalty.hold(conn.client_ip, event, self._policy)
        if isinstance(wait, asyncio.Future):  # asked of a table shared between servers: resume on its answer
            self._holding = True
            wait.add_done_callback(self._shared_answer)
            return False
        return self._held_for(cast("float | None", wait))  # not a future: the machine's own answer

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
            self._gone_while_held(wait)
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

    def _gone_while_held(self, wait: float) -> None:
        """The client closed its side with an AUTH answer to hold: it ends unanswered, its slot free now."""
        ip = self.conn.client_ip  # type: ignore[union-attr]
        log.info("[%s] AUTH answer to %s not held (%.2f s): the client has closed its side", self.sid, ip, wait)
        self._end()

    def _end(self) -> None:
        if self._over:
            return
        self._over = True
        if isinstance(self._job, asyncio.Future):
            self._job.cancel()  # costly work nobody will read: not started yet, it never runs
            self._job = None  # no share of the memory budget rides on it
        if self.conn is not None and self._job is None:
            # A client gone mid-DATA gives its share of the memory budget back; one whose message is on the
            # disk thread keeps it until the write is done (_disk_done), so a slow disk cannot be made to
            # queue more than the budget by clients that leave after their final dot.
            self.conn.discard()
        self.link.close()
        self._server.forget(self.link)

    def _fail(self, exc: BaseException) -> None:
        ip, port = self.link.peer()
        name = self._slot.spec.name
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            log.info("[%s] %s: connection from %s:%s ended: %r", self.sid, name, ip, port, exc)
        else:
            log.error("[%s] %s: session with %s:%s failed", self.sid, name, ip, port, exc_info=exc)
        self._end()

    def abort(self) -> None:
        """The drain deadline passed: a last word (421) before the line goes dead."""
        if self.task is not None:
            self.task.cancel()
            return
        if self.conn is not None and not self._over:
            self.conn.shutdown()
            self.link.write_nowait(self.conn.data_to_send())
        self._end()

    # ----- shared steps -------------------------------------------------------------------------------

    def _auth_line(self, event: AuthAttempted) -> Append | None:
        conn = self.conn
        assert conn is not None
        name = self._slot.spec.name
        sessionlog.auth_attempt(self.sid, name, conn.client_ip, event)
        path = self._gen.config.acctlog_path
        if path is None or not event.log:
            return None
        return Append(path, sessionlog.acct_line(self._server.clock(), name, conn.client_ip, conn.client_port, event))

    def _delivery(self, event: MessageReceived) -> Deliver:
        env = event.envelope
        return Deliver(self._gen.maildir, event.data, env.queue_id, env.received_at, partial(envelope.record, env))

    def _closing(self, conn: SmtpConnection, event: Close) -> None:
        name = self._slot.spec.name
        log.debug("[%s] %s: closing %s:%s: %s", self.sid, name, conn.client_ip, conn.client_port, event.reason)

    def _stored(self, conn: SmtpConnection, event: MessageReceived, value: object, exc: BaseException | None) -> None:
        env = event.envelope
        if exc is not None:
            sessionlog.not_stored(self.sid, env, exc, expected=isinstance(exc, SpoolError))
            conn.message_rejected(exc.reply if isinstance(exc, SpoolError) else replies.SPOOL_ERROR)
            return
        sessionlog.stored(self.sid, env, value)  # type: ignore[arg-type]
        conn.message_stored(env.queue_id)

    # ----- parked in a task ---------------------------------------------------------------------------

    def _park(self, event: Event | Sentinel | None) -> None:
        self.link.stop_waiting()
        self.task = self.link.loop.create_task(self._run(event))
        self.task.add_done_callback(self._task_done)

    def _task_done(self, _task: asyncio.Task[None]) -> None:
        self._end()  # also when cancelled before it ever ran

    async def _run(self, pending: Event | Sentinel | None) -> None:
        server, link, policy = self._server, self.link, self._policy
        try:
            if self.conn is None:  # implicit TLS: the banner comes after the handshake
                await link.start_tls(server.ssl_context(policy), policy.idle_time, replay=True)
                self.conn = server.connection(self._gen, policy, link.peer())
            await self._converse(self.conn, pending)
        except asyncio.CancelledError:
            if self.conn is not None:  # the drain deadline passed: a last word before the line goes dead
                self.conn.shutdown()
                link.write_nowait(self.conn.data_to_send())
            raise
        except Exception as exc:
            self._fail(exc)

    async def _shared(self, answer: asyncio.Future[float | None]) -> float | None:
        """The shared table's answer; the client leaving meanwhile does not cancel its bookkeeping."""
        self._pausing = True
        try:
            return await asyncio.shield(answer)
        finally:
            self._pausing = False

    async def _pause(self, wait: float) -> None:
        self._pausing = True
        try:
            await asyncio.sleep(wait)
        finally:
            self._pausing = False

    async def _converse(self, conn: SmtpConnection, pending: Event | Sentinel | None) -> None:
        server, link, policy = self._server, self.link, self._policy
        while True:
            event, pending = (conn.next_event() if pending is None else pending), None
            if isinstance(event, StartTls):
                # The 220 and the handshake start must happen without yielding to the loop in between, or
                # the client's ClientHello would be read (and dropped) as plaintext.
                await link.start_tls(server.ssl_context(policy), policy.idle_time, first=conn.data_to_send())
                conn.tls_started()
                continue
            if isinstance(event, Offload):
                try:
                    value = await server.compute(event)
                except Exception as exc:
                    conn.computed(None, exc)
                else:
                    conn.computed(value)
            if isinstance(event, (AuthAttempted, AuthVerdict)):
                line = self._auth_line(event) if isinstance(event, AuthAttempted) else None
                if line is not None:
                    try:
                        await server.offload(line)
                    except OSError as exc:
                        log.error("[%s] cannot write accounting log %s: %s", self.sid, line.path, exc)
                answer = server.penalty.hold(conn.client_ip, event, policy)
                # Not a future: the machine's own answer, float or None.
                wait = (
                    await self._shared(answer) if isinstance(answer, asyncio.Future) else cast("float | None", answer)
                )
                if wait is None:
                    log.info("[%s] AUTH answer to %s refused: too many attempts", self.sid, conn.client_ip)
                    conn.refuse_verdict()
                elif wait > 0 and link.input_ended:
                    self._gone_while_held(wait)
                    return
                elif wait > 0 and not self._over:
                    log.info("[%s] AUTH answer to %s held back %.2f s after failures", self.sid, conn.client_ip, wait)
                    observe.hooks.penalty_held()
                    await self._pause(wait)
                if self._over:  # the client closed its side during the wait: the answer stays unsent
                    return
            # After FLUSH this is where a client that does not read its replies makes us wait.
            await link.write(conn.data_to_send(), policy.idle_time)
            if event is NEED_DATA:
                if link.shutdown_requested and conn.at_rest:
                    conn.shutdown()
                    continue
                try:
                    # A session in the middle of a transaction is not interrupted by a shutdown: it may finish.
                    chunk = await link.read(conn.read_timeout(), stop_on_shutdown=conn.at_rest, inline=conn)
                except TimeoutError:
                    conn.timeout()
                    continue
                pending = feed.take(conn, chunk)
            elif isinstance(event, MessageReceived):
                try:
                    path: object = await server.offload(self._delivery(event))
                except Exception as exc:
                    self._stored(conn, event, None, exc)
                else:
                    self._stored(conn, event, path, None)
            elif isinstance(event, Close):
                self._closing(conn, event)
                return
            elif event is PAUSED:
                raise RuntimeError("protocol paused although every event was handled")
