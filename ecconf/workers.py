"""`ecconf serve --workers N`: N processes serve the same listening sockets, so every core of a machine works.

Rule of this room: process plumbing only; each worker is the ordinary one-process server (serving.py). The
parent compiles the config once, binds every listening socket once, forks the workers and then only relays
signals: SIGTERM/SIGINT stop every worker (each drains as usual) and SIGHUP makes each re-read the config.
The workers inherit the parent's sockets and all accept on them. SO_REUSEPORT is never set: it would let any
process of the same user bind the port too and take a share of the connections, so a second server on a
taken address fails to start instead (ListenError: "address already in use"). A reload that adds a Listen
has the parent bind it and pass it to every worker over its control socket (SCM_RIGHTS) before the SIGHUP.
Workers die with the parent: PR_SET_PDEATHSIG on Linux, and everywhere a pipe whose far end only the parent
holds (its EOF stops the worker). Listener_Sessions holds for the machine: the workers count their sessions
in one table made here before the fork (session_tally.py); so does the AUTH penalty, whose table of
client addresses is made here too (penalty_table.py), and Message_Memory_Budget, whose count of the bytes
each worker holds is made here as well (memory_pool.py). A worker that dies (killed, say, by the OOM
killer) is replaced, its share of that table cleared first; one that fails (status 1: it could not start,
or hit a bug), or more than 5 deaths within 10 s, stops everything with status 1 rather than looping.
"""

from __future__ import annotations

import ctypes
import dataclasses
import logging
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping

from . import systemd
from .exits import EXIT_FAILED, EXIT_OK
from .handover import listen, receive_sockets, send_fds
from .memory_pool import SharedMemoryPool
from .metrics import Service
from .penalty_table import SharedBook
from .runtime import listeners, observe
from .runtime.config import ListenAddress, ServerConfig
from .runtime.listeners import ListenError, Sharing
from .serve_options import ServeOptions, announce
from .session_tally import SessionTable

log = logging.getLogger("ecconf.serve")

_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD}
_DEATHS, _WINDOW = 5, 10.0  # more worker deaths than this within the window stop the server
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


# How one worker serves, once forked: serving.serve_in_process (handed in, so this module needs no serving).
ServeInProcess = Callable[..., int]
# How the parent re-reads the config at a SIGHUP: serving.checked_reload (None: refused, and logged why).
Compile = Callable[[ServeOptions], ServerConfig | None]
# What a reload changes, in words: serving.changes.
Describe = Callable[[ServerConfig, ServerConfig], str]


@dataclasses.dataclass
class Shared:
    sockets: dict[ListenAddress, socket.socket]  # every listening socket, by the address the workers bind
    ports: dict[ListenAddress, ListenAddress]  # Listen on port 0 -> the port it was given
    announced: dict[str, object]  # Listen name -> bound address, for the "listening on" lines
    serve: ServeInProcess | None = None
    sessions: SessionTable | None = None  # every worker's open sessions, for Listener_Sessions
    penalty: SharedBook | None = None  # the AUTH penalty's table of client addresses, for every worker
    memory: SharedMemoryPool | None = None  # message bytes each worker holds, for Message_Memory_Budget
    config: ServerConfig | None = None  # what a replacement worker starts with (the last good reload)
    parent_alive: int = -1  # read end of the pipe that only the parent writes to: EOF when it is gone

    def pin_ports(self, config: ServerConfig) -> ServerConfig:
        """`config` with every Listen on port 0 moved to its fixed port (at start and at each reload)."""
        specs = [dataclasses.replace(s, address=self.ports.get(s.address, s.address)) for s in config.listeners]
        return dataclasses.replace(config, listeners=tuple(specs))

    def bind(self, config: ServerConfig) -> list[ListenAddress]:
        """Bind every address of `config` that has no socket yet: all or none (ListenError says which one
        failed). Returns the new ones."""
        added: list[ListenAddress] = []
        try:
            for address, (_slot, spec, _resolver) in listeners.plan(config, {}).wanted.items():
                pinned = self.ports.get(address, address)
                if pinned in self.sockets:
                    continue
                sock = listen(pinned)
                if pinned.kind == "tcp":
                    bound = sock.getsockname()[:2]
                    self.announced[spec.name] = bound
                    if pinned.port == 0:
                        pinned = self.ports[address] = dataclasses.replace(address, port=int(bound[1]))
                else:
                    self.announced[spec.name] = pinned.path
                self.sockets[pinned] = sock
                added.append(pinned)
        except BaseException:
            for pinned in added:
                self.sockets.pop(pinned).close()
            raise
        return added

    def close_unwanted(self, config: ServerConfig) -> None:
        """Close the sockets of addresses the (pinned) config no longer has: the workers closed theirs."""
        wanted = set(listeners.plan(config, {}).wanted)
        for address in [a for a in self.sockets if a not in wanted]:
            self.sockets.pop(address).close()


def share(config: ServerConfig, handed: Mapping[ListenAddress, socket.socket] | None = None) -> Shared:
    """Every socket `config` asks for: those systemd handed over (socket activation), the rest bound here."""
    shared = Shared(dict(handed or {}), {}, {})
    for address, sock in shared.sockets.items():
        name = sock.getsockname()
        shared.announced[_name_of(config, address)] = name[:2] if isinstance(name, tuple) else name
    shared.bind(config)
    return shared


def _name_of(config: ServerConfig, address: ListenAddress) -> str:
    return next(spec.name for spec in config.listeners if spec.address == address)


@dataclasses.dataclass
class _Worker:
    pid: int
    started: float
    index: int  # its place in the session table; a replacement takes the place of the worker it replaces
    control: socket.socket  # the parent's end of the socket pair new listening sockets are passed over


def _fork(
    options: ServeOptions,
    shared: Shared,
    ready: int | None,
    mask: object,
    index: int,
    workers: Mapping[int, _Worker],
    replaces: int | None = None,
) -> _Worker:
    parent = os.getpid()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        theirs.close()
        return _Worker(pid, time.monotonic(), index, ours)
    code = EXIT_FAILED
    try:
        die_with(parent)
        systemd.forget_notify()  # the supervisor alone tells systemd how the server is
        ours.close()
        theirs.setblocking(False)  # recv_fds ignores its flags argument before Python 3.12
        for other in workers.values():
            other.control.close()  # only the parent talks to each worker
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # type: ignore[arg-type]
        sockets: dict[ListenAddress, object] = dict(shared.sockets)
        sharing = Sharing(sockets=sockets, penalty=shared.penalty)
        if shared.memory is not None:
            sharing = dataclasses.replace(sharing, memory=shared.memory.worker(index))
        if shared.sessions is not None:
            sharing = dataclasses.replace(sharing, tally=shared.sessions.worker(index))

        def on_ready(_addresses: Mapping[str, object]) -> None:
            if ready is not None:
                os.write(ready, b"R")
                os.close(ready)
            if replaces is not None:  # the parent does not wait for a replacement: it says it is serving
                log.info("worker %d serving in place of worker %d", os.getpid(), replaces)

        def prepare(config: ServerConfig) -> ServerConfig:
            receive_sockets(theirs, sockets)  # what the parent bound for this reload
            return shared.pin_ports(config)

        assert shared.serve is not None and shared.config is not None
        code = shared.serve(
            shared.config,
            options,
            sharing=sharing,
            on_ready=on_ready,
            prepare=prepare,
            parent=shared.parent_alive,
            quiet_reload=True,
        )
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def die_with(parent: int) -> None:
    """Have the kernel send this worker SIGTERM when the parent dies (Linux); the parent-alive pipe covers
    the other systems. A parent that died before this call has already re-parented us: leave at once."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no usable libc: the pipe still tells
    if os.getppid() != parent:
        os._exit(EXIT_FAILED)


def supervise(
    config: ServerConfig,
    options: ServeOptions,
    serve: ServeInProcess,
    compile: Compile,
    handed: Mapping[ListenAddress, socket.socket] | None = None,
    describe: Describe | None = None,
    service: Service | None = None,
) -> int:
    """Run `options.workers` processes, each `serve(config, options, ...)`, on shared sockets; restart the
    ones that die, and stop them all on SIGTERM/SIGINT (SIGHUP is passed on: each worker reloads)."""
    try:
        shared = share(config, handed)
        shared.sessions = SessionTable(options.workers)
        shared.penalty = SharedBook()
        shared.memory = SharedMemoryPool(options.workers)
    except OSError as exc:
        print(
            f"ecconf: {exc}"
            if isinstance(exc, ListenError)
            else f"ecconf: cannot start the server: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    shared.serve = serve
    shared.config = shared.pin_ports(config)
    alive_read, alive_write = os.pipe()  # the parent keeps the write end (never writing) until it dies
    shared.parent_alive = alive_read
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)  # before the fork: no signal can slip by
    try:
        read_end, write_end = os.pipe()
        workers: dict[int, _Worker] = {}
        for index in range(options.workers):
            worker = _fork(options, shared, write_end, mask, index, workers)
            workers[worker.pid] = worker
        os.close(write_end)
        if not _all_ready(read_end, options.workers):
            print("ecconf: a worker could not start; stopping", file=sys.stderr)
            return _stop_all(workers, EXIT_FAILED)
        if service is not None:
            service.ready()  # before the announcement: whoever reads it may ask /readyz at once
        announce(shared.announced)
        systemd.notify("READY=1")
        return _relay(workers, options, shared, mask, compile, describe, service)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(alive_write)


def _all_ready(read_end: int, count: int) -> bool:
    got = 0
    while got < count:
        chunk = os.read(read_end, count)  # EOF once every worker has reported or died
        if not chunk:
            break
        got += len(chunk)
    os.close(read_end)
    return got == count


def _relay(
    workers: dict[int, _Worker],
    options: ServeOptions,
    shared: Shared,
    mask: object,
    compile: Compile,
    describe: Describe | None,
    service: Service | None = None,
) -> int:
    deaths: list[float] = []
    while True:
        signum = signal.sigwait(_SIGNALS)
        if signum in (signal.SIGTERM, signal.SIGINT):
            systemd.notify("STOPPING=1")
            return _stop_all(workers, EXIT_OK)
        if signum == signal.SIGHUP:
            systemd.reloading()
            _reload(workers, options, shared, compile, describe)
            systemd.notify("READY=1")  # the workers reload on their own from here, each as a single server
            continue
        for pid, status in _reap():
            gone = workers.pop(pid, None)
            if gone is None:
                continue
            gone.control.close()
            if service is not None:
                service.worker_gone(pid)
            now = time.monotonic()
            deaths = [t for t in deaths if now - t < _WINDOW] + [now]
            if status == EXIT_FAILED or len(deaths) > _DEATHS:
                log.error("worker %d failed (status %d); stopping", pid, status)
                return _stop_all(workers, EXIT_FAILED)
            if shared.sessions is not None:
                shared.sessions.clear(gone.index)  # its sessions died with it
            if shared.memory is not None:
                shared.memory.clear(gone.index)  # and so did the messages they held
            log.error("worker %d exited (status %d); starting another", pid, status)
            worker = _fork(options, shared, None, mask, gone.index, workers, replaces=pid)
            workers[worker.pid] = worker


def _reload(
    workers: Mapping[int, _Worker], options: ServeOptions, shared: Shared, compile: Compile, describe: Describe | None
) -> None:
    """Check the config (its diagnostics and any refusal are logged here, once), bind what it adds, hand
    that to every worker, then SIGHUP them: each reloads quietly, and the summary is said here, once. If
    the workers read a config different from this one (edited again in between), an address only they
    know is bound by the first of them and refused by the others, never shared with a stranger."""
    try:
        config = compile(options)
    except Exception:
        log.exception("reload failed; still serving the previous config")
        return
    if config is None:
        observe.hooks.reloaded(False)
        return
    try:
        added = shared.bind(config)
    except OSError as exc:
        log.error("reload refused: %s; still serving the previous config", exc)
        observe.hooks.reloaded(False)
        return
    for worker in workers.values():
        try:
            send_fds(worker.control, {address: shared.sockets[address] for address in added})
        except OSError as exc:  # a worker that is dying: its replacement inherits the sockets
            log.debug("worker %d did not take the new sockets: %s", worker.pid, exc)
    old, config = shared.config, shared.pin_ports(config)
    shared.config = config
    _send(workers, signal.SIGHUP)
    shared.close_unwanted(config)
    announce({s.name: shared.announced[s.name] for s in config.listeners if s.address in added})
    gone = sorted({s.name for s in old.listeners} - {s.name for s in config.listeners}) if old else []
    for name in gone:
        print(f"ecconf: stopped listening (Listen {name!r})", file=sys.stderr, flush=True)
    observe.hooks.reloaded(True)
    summary = describe(old, config) if describe is not None and old is not None else "reloaded"
    log.info("reloaded %s (%d workers): %s", options.config or "the built-in config", len(workers), summary)


def _reap() -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return out
        if pid == 0:
            return out
        out.append((pid, os.waitstatus_to_exitcode(status)))


def _send(workers: Mapping[int, _Worker], signum: int) -> None:
    for pid in workers:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _stop_all(workers: dict[int, _Worker], code: int) -> int:
    """SIGTERM every worker and wait for each (they drain as a single server does)."""
    _send(workers, signal.SIGTERM)
    for pid in list(workers):
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            continue
        if os.waitstatus_to_exitcode(status) != 0 and code == EXIT_OK:
            code = EXIT_FAILED
    return code
