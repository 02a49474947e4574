"""`ecconf serve --workers N`: N processes serve the same listening sockets, so every core of a machine works.

Rule of this room: process plumbing only; each worker is the ordinary one-process server (serving.py). The
parent compiles the config once, prepares the sockets, forks the workers and then only relays signals:
SIGTERM/SIGINT stop every worker (each drains as usual) and SIGHUP makes each re-read the config. A TCP
Listen is bound by every worker with SO_REUSEPORT where the system has it, so the kernel spreads new
connections over the workers; a port 0 is fixed here first (a reserved, never-listening socket) so all
bind the same port, also after a reload. A Unix-socket Listen, and TCP where SO_REUSEPORT is missing, is
bound here once and inherited by the workers. Listener_Sessions holds for the machine: the workers count
their sessions in one table made here before the fork (session_tally.py); so does the AUTH penalty, whose
table of client addresses is made here too (penalty_table.py). A worker that dies (killed, say,
by the OOM killer) is replaced, its share of that table cleared first; one that fails (status 1: it could
not bind, or hit a bug), or more than 5 deaths within 10 s, stops everything with status 1 rather than
looping.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import stat
import sys
import time
import traceback
from collections.abc import Callable, Mapping

from .exits import EXIT_FAILED, EXIT_OK
from .penalty_table import SharedBook
from .runtime import listeners
from .runtime.config import ListenAddress, ServerConfig
from .runtime.listeners import Sharing
from .serve_options import ServeOptions, announce
from .session_tally import SessionTable

log = logging.getLogger("ecconf.serve")

_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD}
_DEATHS, _WINDOW = 5, 10.0  # more worker deaths than this within the window stop the server


# How one worker serves, once forked: serving.serve_in_process (handed in, so this module needs no serving).
ServeInProcess = Callable[..., int]


@dataclasses.dataclass
class Shared:
    sharing: Sharing
    ports: dict[ListenAddress, ListenAddress]  # Listen on port 0 -> the port every worker binds
    reserved: list[socket.socket]  # keeps the fixed ports ours until the workers have bound them
    announced: dict[str, object]  # Listen name -> bound address, for the "listening on" lines
    serve: ServeInProcess | None = None
    sessions: SessionTable | None = None  # every worker's open sessions, for Listener_Sessions

    def pin_ports(self, config: ServerConfig) -> ServerConfig:
        """`config` with every Listen on port 0 moved to its fixed port (at start and at each reload)."""
        specs = [dataclasses.replace(s, address=self.ports.get(s.address, s.address)) for s in config.listeners]
        return dataclasses.replace(config, listeners=tuple(specs))


def share(config: ServerConfig) -> Shared:
    reuse_port = hasattr(socket, "SO_REUSEPORT")
    shared = Shared(Sharing(reuse_port=reuse_port), {}, [], {})
    inherited: dict[ListenAddress, socket.socket] = {}
    for address, (_slot, spec, _resolver) in listeners.plan(config, {}).wanted.items():
        if address.kind == "unix":
            inherited[address] = _unix_socket(address.path)
            shared.announced[spec.name] = address.path
            continue
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        if not reuse_port:
            sock = socket.create_server((address.host, address.port), family=family, backlog=1024)
            inherited[address] = sock
            shared.announced[spec.name] = sock.getsockname()[:2]
            continue
        port = address.port
        if port == 0:
            probe = socket.socket(family, socket.SOCK_STREAM)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            probe.bind((address.host, 0))
            port = probe.getsockname()[1]
            shared.reserved.append(probe)
            shared.ports[address] = dataclasses.replace(address, port=port)
        shared.announced[spec.name] = (address.host, port)
    shared.sharing = Sharing(reuse_port=reuse_port, sockets=inherited)
    return shared


def _unix_socket(path: str) -> socket.socket:
    try:
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)  # a stale socket from an earlier run, as asyncio's own bind would remove
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    return sock


@dataclasses.dataclass
class _Worker:
    pid: int
    started: float
    index: int  # its place in the session table; a replacement takes the place of the worker it replaces


def _fork(
    config: ServerConfig, options: ServeOptions, shared: Shared, ready: int | None, mask: object, index: int
) -> _Worker:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return _Worker(pid, time.monotonic(), index)
    code = EXIT_FAILED
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # type: ignore[arg-type]
        sharing = shared.sharing
        if shared.sessions is not None:
            sharing = dataclasses.replace(sharing, tally=shared.sessions.worker(index))

        def on_ready(_addresses: Mapping[str, object]) -> None:
            if ready is not None:
                os.write(ready, b"R")
                os.close(ready)

        assert shared.serve is not None
        code = shared.serve(config, options, sharing=sharing, on_ready=on_ready, prepare=shared.pin_ports)
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def supervise(config: ServerConfig, options: ServeOptions, serve: ServeInProcess) -> int:
    """Run `options.workers` processes, each `serve(config, options, ...)`, on shared sockets; restart the
    ones that die, and stop them all on SIGTERM/SIGINT (SIGHUP is passed on: each worker reloads)."""
    try:
        shared = share(config)
        shared.sessions = SessionTable(options.workers)
        shared.sharing = dataclasses.replace(shared.sharing, penalty=SharedBook())
    except OSError as exc:
        print(f"ecconf: cannot start the server: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    shared.serve = serve
    config = shared.pin_ports(config)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)  # before the fork: no signal can slip by
    try:
        read_end, write_end = os.pipe()
        workers = {}
        for index in range(options.workers):
            worker = _fork(config, options, shared, write_end, mask, index)
            workers[worker.pid] = worker
        os.close(write_end)
        if not _all_ready(read_end, options.workers):
            print("ecconf: a worker could not start; stopping", file=sys.stderr)
            return _stop_all(workers, EXIT_FAILED)
        for sock in shared.reserved:
            sock.close()
        announce(shared.announced)
        return _relay(workers, config, options, shared, mask)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


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
    workers: dict[int, _Worker], config: ServerConfig, options: ServeOptions, shared: Shared, mask: object
) -> int:
    deaths: list[float] = []
    while True:
        signum = signal.sigwait(_SIGNALS)
        if signum in (signal.SIGTERM, signal.SIGINT):
            return _stop_all(workers, EXIT_OK)
        if signum == signal.SIGHUP:
            _send(workers, signal.SIGHUP)
            continue
        for pid, status in _reap():
            gone = workers.pop(pid, None)
            if gone is None:
                continue
            now = time.monotonic()
            deaths = [t for t in deaths if now - t < _WINDOW] + [now]
            if status == EXIT_FAILED or len(deaths) > _DEATHS:
                log.error("worker %d failed (status %d); stopping", pid, status)
                return _stop_all(workers, EXIT_FAILED)
            if shared.sessions is not None:
                shared.sessions.clear(gone.index)  # its sessions died with it
            log.error("worker %d exited (status %d); starting another", pid, status)
            worker = _fork(config, options, shared, None, mask, gone.index)
            workers[worker.pid] = worker


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
