"""The asyncio shell around the sans-IO protocol: sockets, TLS, timeouts, concurrency caps, disk work.

Rule of this room: with the rest of the asyncio shell — link.py (one connection's transport),
session_driver.py (one connection's session) and the interface it sees the server through (session_host.py),
binding.py (listening sockets), store_refresh.py (credential reloads in slices), tls_context.py (TLS
contexts) and penalty_redis.py (the shared penalty's client) — the only runtime files that touch asyncio,
sockets or ssl, and it holds no SMTP logic. The top of the shell's one-way chain (link <- session_driver <-
server, tests/test_boundaries.py): a Link knows the server only as the callable it calls when its
connection is made, a Session only as a SessionHost.
Per connection (after its PROXY header on a Proxy_Protocol listener, proxy_intake.py, which then names the
client) it resolves the SessionPolicy and hands the connection to a Session, which feeds bytes to
`SmtpConnection`, writes what it answers, carries out its events and waits as long as the protocol
(`read_timeout()`, an AUTH event's delay) and the per-address AUTH penalty ask: from the transport's
callbacks, with a small task only for a TLS handshake or a client that does not read its replies. Anything
that blocks runs off the loop so one slow disk does not stall the other sessions: spool writes and acctlog
appends on the disk thread (diskqueue.py, handed over once per turn of the loop), credential file reads in a
worker thread (their parse runs on the loop in short slices, see refresh_stores). A reload serves the new
config to new sessions only: a session keeps the config, spool and credentials it started with, and only
listeners whose address is new are bound (those that went away stop accepting).
Costly AUTH work (an Offload event: SCRAM's PBKDF2) runs in COMPUTE_THREADS threads, never on the loop; an
auth_ds check (a coroutine, bounded by its datasource's timeout) is a task on the loop and takes no thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from . import binding, computation, listeners, observe, store_refresh
from .admission import Admission, Ticket
from .authn import Credentials, build_schemes, for_config, mechanism_specs
from .config import ListenAddress, ServerConfig, SessionPolicy
from .datasources import Schemes
from .diskqueue import DiskQueue, Job, Result, Token, settle
from .events import AuthAttempted, AuthVerdict, Offload
from .link import Link
from .listeners import Generation, Plan, ReloadResult, Sharing, Slot
from .memory_budget import MemoryBudget
from .penalty import AuthPenalty, Deferred
from .protocol import SmtpConnection
from .proxy_intake import ProxyIntake, unwelcome
from .session_driver import Session
from .spool import Maildir
from .tls_context import SslCache, tls_context

log = logging.getLogger(__name__)

BoundAddress = listeners.BoundAddress
# Threads for costly AUTH work (SCRAM's PBKDF2, which releases the interpreter lock): two keep the loop free
# and bound the CPU that guessing clients can take; more of them queue, and only their own AUTH waits.
COMPUTE_THREADS = 2


class Server:
    def __init__(
        self,
        config: ServerConfig,
        *,
        credentials: Credentials | None = None,
        on_ready: Callable[[Mapping[str, BoundAddress]], None] | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
        maildir: Maildir | None = None,
        sharing: Sharing | None = None,
    ) -> None:
        self.config = config
        self.credentials = credentials or Credentials(config.base_dir)
        self.schemes: Schemes | None = None  # the config's auth_ds Schemes, built in start() on the loop
        self.maildir = maildir or Maildir(config.spool_base)
        self._sharing = sharing or Sharing()
        # CLOCK_MONOTONIC: one clock for every process of the machine, so a table they share agrees on it.
        self.penalty = AuthPenalty(time.monotonic, book=self._sharing.penalty)
        # One for the process, kept across reloads (sessions in flight hold their share of it); a reload only
        # changes its limit. Under --workers it draws from the machine's pool.
        self.memory = MemoryBudget(config.message_memory_budget, pool=self._sharing.memory)
        self.addresses: dict[str, BoundAddress] = {}
        self.ready = asyncio.Event()
        self._on_ready = on_ready
        self.clock = clock
        self._random = random_bytes
        self._slots: dict[ListenAddress, Slot] = {}
        self._sessions: dict[Link, Session] = {}
        self._all_gone: asyncio.Future[None] | None = None  # while stop() waits for the sessions to end
        self._ssl: SslCache = {}
        self._refresher: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self._disk = DiskQueue(self._disk_done)
        self._outbox: list[tuple[Job, object]] = []  # disk jobs of this turn of the loop, not yet handed over
        self._compute = ThreadPoolExecutor(COMPUTE_THREADS, thread_name_prefix="ecconf-compute")
        self._loop: asyncio.AbstractEventLoop | None = None  # the running loop, from start() on
        self.admission = Admission(self._sharing.tally)
        self._tickets: dict[Link, Ticket] = {}  # what each session's admission counted, given back at its end
        self._intakes: dict[Link, ProxyIntake] = {}  # connections whose PROXY header has not come yet
        # Session ids: this process (a worker of --workers N has its own) and a count, unique per machine run.
        self._pid = os.getpid()
        self._numbers = itertools.count(1)

    # ----- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        # get_running_loop() asks getpid() each time (a system call): the hot paths use this one.
        self._loop = asyncio.get_running_loop()
        self._share_penalty(self.config)  # before binding: a server that cannot keep it does not start
        self.schemes = self.credentials.schemes = self.credentials.schemes or build_schemes(self.config.auth_ds)
        await asyncio.to_thread(self.credentials.open_all, mechanism_specs(self.config.listeners))
        await asyncio.to_thread(self.maildir.ensure)
        self._slots = (await self._prepare(self.config, self._ssl)).commit()
        self.addresses = listeners.addresses(self._slots)
        self._refresher = asyncio.create_task(self._refresh_loop())
        self.ready.set()
        if self._on_ready is not None:
            self._on_ready(dict(self.addresses))

    async def reload(self, config: ServerConfig) -> ReloadResult:
        """Serve `config` to new sessions. Raises, changing nothing, if the spool, a certificate or a new
        socket fails; sessions in flight finish under the config they started with."""
        credentials = for_config(self.credentials, self.config, config)  # DatasourceError: refused
        schemes = credentials.schemes
        try:
            await asyncio.to_thread(credentials.open_all, mechanism_specs(config.listeners))
            maildir = Maildir(config.spool_base)
            await asyncio.to_thread(maildir.ensure)
            contexts: SslCache = {}
            plan = await self._prepare(config, contexts)
        except BaseException:
            if schemes is not self.schemes and schemes is not None:
                await schemes.aclose()
            raise
        for slot in plan.removed:
            self._unbind(slot)
        self._slots = plan.commit()
        self.addresses = listeners.addresses(self._slots)
        self.config, self.maildir, self.credentials, self._ssl = config, maildir, credentials, contexts
        old, self.schemes = self.schemes, schemes
        if old is not None and old is not schemes:
            await old.aclose()  # a session still in an exchange on it gets 454, not a hang
        self.memory.limit = config.message_memory_budget
        self._share_penalty(config)
        if self._refresher is not None:
            self._refresher.cancel()
        self._refresher = asyncio.create_task(self._refresh_loop())
        await self.refresh_stores()  # a reload also means "look at the password files now"
        return plan.result()

    async def _prepare(self, config: ServerConfig, contexts: SslCache) -> Plan:
        """Load the certificates and bind the new sockets `config` asks for: all or nothing."""
        plan = listeners.plan(config, self._slots)
        for name in plan.disabled:
            log.info("listener %s disabled (Enable = false)", name)
        try:
            for policy in plan.tls:
                self.ssl_context(policy, contexts)  # a broken certificate stops the (re)start, not a client
            for slot in plan.added:
                await self._bind(slot)
        except BaseException:
            for slot in plan.added:  # do not leave half the listeners open
                self._unbind(slot)
            raise
        return plan

    async def _bind(self, slot: Slot) -> None:
        loop = asyncio.get_running_loop()
        accept = partial(self.accept, slot)  # one per listener, not one per connection

        def factory() -> Link:
            return Link(accept, loop)

        await binding.bind(slot, factory, self._sharing.sockets.get(slot.spec.address))

    def _unbind(self, slot: Slot) -> None:
        binding.unbind(slot)

    def _share_penalty(self, config: ServerConfig | None) -> None:
        """Keep the penalty in the Redis server the config names (Auth_Penalty_Redis), or stop doing so."""
        url = None if config is None else config.auth_penalty_redis
        old = self.penalty.remote
        if (old.url if old is not None else None) == url:
            return
        if old is not None:
            closing = asyncio.ensure_future(old.close())
            closing.add_done_callback(lambda done: done.cancelled() or done.exception())  # nothing to report
        self.penalty.remote = None
        if url is not None:
            try:
                from .penalty_redis import RedisRemote
            except ImportError:
                raise OSError(
                    f"Auth_Penalty_Redis needs the redis client: pip install 'ecconf[redis]' ({url})"
                ) from None
            self.penalty.remote = RedisRemote(url)

    async def serve_forever(self) -> None:
        if not self.ready.is_set():
            await self.start()
        await self._stopped.wait()

    async def stop(self, deadline: float = 5.0) -> None:
        """Stop accepting; sessions end (421) at their next pause between transactions; at the deadline
        whatever is left is told 421 and cancelled."""
        for slot in self._slots.values():
            self._unbind(slot)
        if self._refresher is not None:
            self._refresher.cancel()
        for intake in list(self._intakes.values()):
            intake.abandon()
        for link in list(self._sessions):
            link.request_shutdown()
        if self._sessions:
            self._all_gone = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._all_gone), deadline)
            left = list(self._sessions.values())
            for session in left:
                session.abort()
            tasks = [session.task for session in left if session.task is not None]
            if tasks:
                await asyncio.wait(tasks)
        await asyncio.to_thread(self._disk.close)  # what the sessions queued is on disk before we say stopped
        if self.penalty.remote is not None:
            await self.penalty.remote.close()
            self.penalty.remote = None
        self._compute.shutdown(wait=False, cancel_futures=True)  # nobody is left to wait for an answer
        if self.schemes is not None:
            await self.schemes.aclose()
            self.schemes = None
        self._stopped.set()

    async def refresh_stores(self) -> list[str]:
        """Re-read changed credential stores now; returns the URIs that were reloaded. File reads run in a
        worker thread; the parse runs here in slices of about half a millisecond, with the sessions' I/O in
        between: a parse in a thread held the interpreter for milliseconds at a time, which doubled the
        sessions' p99 latency while a million users were read again."""
        return await store_refresh.drive(self.credentials.refresh_steps())

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.store_refresh_interval)
            await self.refresh_stores()

    def active_sessions(self, listener_name: str) -> int:
        return sum(slot.active for slot in self._slots.values() if slot.spec.name == listener_name)

    def buffered_output(self) -> int:
        """Reply bytes accepted by transports but not yet taken by clients, over all sessions."""
        return sum(link.buffered_output() for link in self._sessions)

    # ----- sessions ---------------------------------------------------------------------------------

    def accept(self, slot: Slot, link: Link) -> None:
        """A new connection on `slot` (its Link's `on_connect`). On a Proxy_Protocol listener (as resolved for
        the proxy's address) nothing is said before its PROXY header is read (proxy_intake.py), then it is
        admitted as the client the header names; else it is admitted as its socket's peer."""
        ip, port = link.peer()
        policy = slot.resolver(ip or None)
        if not policy.proxy_protocol:
            self._admit(slot, link, ip, port, policy)
            return
        waiting = sum(1 for pending in self._intakes.values() if pending.slot is slot)
        why = unwelcome(policy, ip, waiting)
        if why is not None:
            log.warning("%s: refusing %s:%s: %s", slot.spec.name, ip, port, why)
            link.close()
            return
        intake = self._intakes[link] = ProxyIntake(
            slot,
            link,
            policy.proxy_protocol_timeout,
            lambda link, client: self._admit(slot, link, *client),
            self._intake_done,
        )
        intake.start()

    def _intake_done(self, link: Link) -> None:
        self._intakes.pop(link, None)

    def _admit(self, slot: Slot, link: Link, ip: str, port: int, policy: SessionPolicy | None = None) -> None:
        """Refused (421) over Listener_Sessions or over its address's share (admission.py); else greeted at
        once on a plain listener (the banner does not wait for a trip through the event loop) and handed to
        its Session."""
        gen = Generation(self.config, self.maildir, self.credentials)
        name = slot.spec.name
        if policy is None:  # a proxied client: its own policy, not the proxy's
            policy = slot.resolver(ip or None)
        ticket = self.admission.admit(slot, policy, ip or None)
        if not isinstance(ticket, Ticket):
            log.warning("%s: refusing %s:%s (%d sessions open here): %s", name, ip, port, slot.active, ticket.text)
            observe.hooks.refused(name, ticket.code)
            link.write_nowait(ticket.render(True))
            link.close()  # after what was written has gone out
            return
        self._tickets[link] = ticket
        observe.hooks.session_opened(name)
        sid = f"{self._pid:x}.{next(self._numbers):x}"
        log.debug("[%s] %s: connection from %s:%s", sid, name, ip, port)
        conn = None
        if not policy.use_ssl:
            conn = self.connection(gen, policy, (ip, port))
            link.write_nowait(conn.data_to_send())
        session = self._sessions[link] = link.session = Session(self, slot, gen, link, policy, conn, sid)
        session.start()

    def connection(self, gen: Generation, policy: SessionPolicy, client: tuple[str, int]) -> SmtpConnection:
        tls = policy.use_ssl
        clock, random = self.clock, self._random
        return SmtpConnection(
            policy,
            gen.config.hostname,
            gen.credentials,
            client=client,
            clock=clock,
            random_bytes=random,
            tls=tls,
            memory=self.memory,
        )

    def forget(self, link: Link) -> None:
        """A session has ended (SessionHost.forget): what its admission counted is free again."""
        self._sessions.pop(link, None)
        ticket = self._tickets.pop(link, None)
        if ticket is not None:
            ticket.release()
            observe.hooks.session_closed(ticket.slot.spec.name)
        if not self._sessions and self._all_gone is not None and not self._all_gone.done():
            self._all_gone.set_result(None)

    def compute(self, work: Offload) -> asyncio.Future[object]:
        """Run a session's costly pure work (a key derivation) in the compute threads, never on the loop; a
        coroutine (a datasource's check, bounded by its timeout) is a task here, taking no compute thread."""
        loop = self._loop or asyncio.get_running_loop()
        if inspect.iscoroutinefunction(work.function):
            return loop.create_task(work.function(*work.args))
        return computation.compute(self._compute, loop, work.function, *work.args)  # cancels at once

    def hold(
        self, client_ip: str, event: AuthAttempted | AuthVerdict, policy: SessionPolicy
    ) -> float | Deferred | None:
        """How long a session holds this AUTH answer back: the address's penalty (penalty.py)."""
        return self.penalty.hold(client_ip, event, policy)

    def submit(self, job: Job, done: Token) -> None:
        """Run a blocking disk job on the disk thread; `done` is a future, or called with (value, exception)
        on the loop."""
        if not self._outbox:
            (self._loop or asyncio.get_running_loop()).call_soon(self._flush_outbox)
        self._outbox.append((job, done))

    def _disk_done(self, results: list[Result]) -> None:
        """On the disk thread: one thread-safe call settles the whole batch on the loop. A loop that is gone
        has nobody waiting any more."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(settle, results)

    def _flush_outbox(self) -> None:
        """Hand the disk thread what this turn of the loop asked for: one wake-up for the lot."""
        jobs, self._outbox = self._outbox, []
        self._disk.submit_many(jobs)

    # ----- TLS --------------------------------------------------------------------------------------

    def ssl_context(self, policy: SessionPolicy, cache: SslCache | None = None) -> ssl.SSLContext:
        return tls_context(policy, self._ssl if cache is None else cache)
