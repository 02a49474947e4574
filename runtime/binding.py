"""Listening sockets: a listener's address bound (TCP, a Unix socket, or a socket inherited from the parent
of --workers), and let go.

Rule of this room: part of the asyncio shell, sockets only: who is served on a connection is the caller's
`factory`; what to listen on is listeners.py's plan.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from . import listeners
from .listeners import ListenError, Slot

log = logging.getLogger(__name__.rpartition(".")[0] + ".server")  # the server's log

# asyncio's default accept queue of 100 overflows when hundreds of clients connect at once; the overflow is
# silent (the client believes it is connected and waits for a banner that never comes). The kernel caps it
# at net.core.somaxconn.
BACKLOG = 1024


def unix_in_use(path: str) -> bool:
    """Whether a server answers on the Unix socket at `path` (a stale socket file from a dead one does not:
    binding may replace it; a live one must not be taken from its owner)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return False
    finally:
        probe.close()
    return True


async def bind(slot: Slot, factory: Callable[[], asyncio.Protocol], inherited: object | None) -> None:
    """Listen on `slot`'s address (or on `inherited`, a socket bound before the fork); ListenError if not."""
    loop = asyncio.get_running_loop()
    addr = slot.spec.address
    try:
        if addr.kind == "unix":
            if inherited is None and unix_in_use(addr.path):
                raise OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
            where = {"sock": inherited} if inherited is not None else {"path": addr.path}
            server = await loop.create_unix_server(factory, backlog=BACKLOG, **where)  # type: ignore[arg-type]
            slot.bound = addr.path
        else:
            if isinstance(inherited, socket.socket):
                server = await loop.create_server(factory, sock=inherited, backlog=BACKLOG)
            else:  # no SO_REUSEPORT: a port another process listens on is refused, not shared
                server = await loop.create_server(factory, addr.host, addr.port, reuse_address=True, backlog=BACKLOG)
            sockname = server.sockets[0].getsockname()
            slot.bound = (str(sockname[0]), int(sockname[1]))
    except OSError as exc:
        raise ListenError(addr, exc) from exc
    slot.handle = server
    log.info("listening on %s (%s)", slot.bound, slot.spec.name)


def unbind(slot: Slot) -> None:
    # Not isinstance(asyncio.AbstractServer): uvloop's servers are not subclasses of it.
    if isinstance(slot.handle, listeners.Listening):
        slot.handle.close()
        log.info("stopped listening on %s (%s)", slot.bound, slot.spec.name)
        if slot.spec.address.kind == "unix":
            Path(slot.spec.address.path).unlink(missing_ok=True)
    slot.handle = None
