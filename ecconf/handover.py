"""Listening sockets for --workers N: bound once by the supervisor, and handed to the workers.

Rule of this room: socket plumbing only, for workers.py. `listen` binds one Listen address the way every
ecconf listening socket is bound: SO_REUSEADDR (a restart is not refused for connections in TIME_WAIT),
never SO_REUSEPORT, and a Unix socket only if nobody answers on it. `send_fds`/`receive_sockets` pass
sockets a reload adds to a running worker (SCM_RIGHTS over its control socket pair).
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import socket
import stat
from collections.abc import Mapping

from .runtime.binding import BACKLOG, unix_in_use
from .runtime.config import ListenAddress
from .runtime.listeners import ListenError


def listen(address: ListenAddress) -> socket.socket:
    try:
        if address.kind == "unix":
            return _unix_socket(address.path)
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        # create_server sets SO_REUSEADDR (a restart is not refused for the old connections in TIME_WAIT),
        # which on its own never lets two sockets listen on one port.
        return socket.create_server((address.host, address.port), family=family, backlog=BACKLOG)
    except OSError as exc:
        raise ListenError(address, exc) from exc


def _unix_socket(path: str) -> socket.socket:
    if unix_in_use(path):
        raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
    try:
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)  # a stale socket from an earlier run, as asyncio's own bind would remove
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _encode(address: ListenAddress) -> dict[str, object]:
    return dataclasses.asdict(address)


def send_fds(control: socket.socket, sockets: Mapping[ListenAddress, socket.socket]) -> None:
    """Pass new listening sockets to a worker (read by receive_sockets before it reloads)."""
    if sockets:
        payload = json.dumps([_encode(a) for a in sockets]).encode()
        socket.send_fds(control, [payload], [sock.fileno() for sock in sockets.values()])


def receive_sockets(control: socket.socket, into: dict[ListenAddress, object]) -> None:
    """Take every socket the parent has sent so far (it sends them before the SIGHUP that asks for them)."""
    while True:
        try:
            payload, fds, _flags, _addr = socket.recv_fds(control, 65536, 64)
        except (BlockingIOError, InterruptedError):
            return
        if not payload:
            return
        for raw, fd in zip(json.loads(payload), fds, strict=True):
            into[ListenAddress(**raw)] = socket.socket(fileno=fd)
