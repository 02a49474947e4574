"""What `ecconf serve` tells systemd and takes from it: sd_notify states, and sockets it was handed.

Rule of this room: the two protocols as systemd documents them (sd_notify(3), sd_listen_fds(3)), standard
library only, and harmless outside systemd: without NOTIFY_SOCKET nothing is sent, without LISTEN_FDS
nothing is taken. Only the process systemd started talks to it: the workers of --workers N forget
NOTIFY_SOCKET (forget_notify) so each state is said once, by the supervisor.
"""

from __future__ import annotations

import os
import socket
import time

from .runtime import listeners
from .runtime.config import ListenAddress, ServerConfig

_FIRST_FD = 3  # SD_LISTEN_FDS_START


def notify(*states: str) -> bool:
    """Send "READY=1", "RELOADING=1", "STOPPING=1"... to NOTIFY_SOCKET; False when there is none or it fails
    (a server must not stop serving because its supervisor went deaf)."""
    path = os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    if path.startswith("@"):  # an abstract socket
        path = "\0" + path[1:]
    message = "\n".join(states).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(path)
            sock.sendall(message)
    except OSError:
        return False
    return True


def reloading() -> bool:
    """RELOADING=1 with the MONOTONIC_USEC that Type=notify-reload wants alongside it."""
    return notify("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")


def forget_notify() -> None:
    os.environ.pop("NOTIFY_SOCKET", None)


def listen_fds() -> list[socket.socket]:
    """The sockets systemd passed to this very process (LISTEN_PID), in order; [] when none. The variables
    are removed so that no child takes them for its own."""
    pid, count = os.environ.pop("LISTEN_PID", ""), os.environ.pop("LISTEN_FDS", "")
    os.environ.pop("LISTEN_FDNAMES", None)
    if not count.isdigit() or pid != str(os.getpid()):
        return []
    sockets = []
    for fd in range(_FIRST_FD, _FIRST_FD + int(count)):
        os.set_inheritable(fd, True)  # the workers of --workers N share it
        sockets.append(socket.socket(fileno=fd))
    return sockets


def activated(config: ServerConfig) -> dict[ListenAddress, socket.socket]:
    """The sockets systemd passed, each matched to the Listen that has its address (by what the socket is
    bound to). A socket no Listen asks for is an error (ValueError): the unit and the config disagree."""
    wanted = {_key(a): a for a in listeners.plan(config, {}).wanted}
    out: dict[ListenAddress, socket.socket] = {}
    for sock in listen_fds():
        name = sock.getsockname()
        key = ("unix", name) if sock.family == socket.AF_UNIX else ("tcp", (str(name[0]), int(name[1])))
        if key not in wanted:
            raise ValueError(f"systemd passed a socket on {_text(key)} that no Listen in the config names")
        out[wanted[key]] = sock
    return out


def _key(address: ListenAddress) -> tuple[str, object]:
    return ("unix", address.path) if address.kind == "unix" else ("tcp", (address.host, address.port))


def _text(key: tuple[str, object]) -> str:
    where = key[1]
    return f"{where[0]}:{where[1]}" if isinstance(where, tuple) else str(where)
