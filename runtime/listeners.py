"""Which listening sockets a config asks for, and what a reload changes: bookkeeping for server.py.

Rule of this room: no I/O. A `Slot` records one listening socket: the spec and policy resolver that new
sessions get, the bound address, how many sessions are open on it (admission.py admits them). `plan()`
compares a config with the current slots. Slots are matched by ListenAddress, not by name (":25" and "*:25"
are one socket): an address already bound keeps its socket and only gets the new spec at commit; a new
address needs binding; a slot the config no longer asks for (or disables) stops accepting. server.py binds,
closes and commits.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .authn import Credentials
from .config import ListenAddress, ListenerSpec, ServerConfig, SessionPolicy
from .memory_budget import MemoryPool
from .policy import PolicyResolver
from .spool import Maildir

if TYPE_CHECKING:
    from .admission import Tally
    from .penalty import Book

BoundAddress = tuple[str, int] | str  # (host, port) for TCP, the path for a Unix socket


@runtime_checkable
class Listening(Protocol):
    """What an event loop's create_server returns: asyncio's Server, or uvloop's (not a subclass of it)."""

    def close(self) -> None: ...


def where(address: ListenAddress) -> str:
    """How a Listen address is written in messages: "127.0.0.1:25", "[::1]:25", "/run/smtp.sock"."""
    if address.kind == "unix":
        return address.path
    return f"[{address.host}]:{address.port}" if ":" in address.host else f"{address.host}:{address.port}"


class ListenError(OSError):
    """A listening socket could not be made: which address, and the system's reason (errno kept)."""

    def __init__(self, address: ListenAddress, cause: OSError) -> None:
        # os.strerror: create_server's own text repeats the address ("while attempting to bind on ...").
        super().__init__(cause.errno, os.strerror(cause.errno) if cause.errno else str(cause))
        self.address = address

    def __str__(self) -> str:
        reason = (self.strerror or "").lower() or "failed"
        if self.errno == errno.EADDRINUSE:
            reason += " (another ecconf serve?)"
        return f"cannot listen on {where(self.address)}: {reason}"


@dataclass(frozen=True)
class Sharing:
    """How a server shares its listening sockets with other processes serving the same config: sockets bound
    once before the fork, each inherited by every worker (never SO_REUSEPORT, which would let any process of
    the same user join the port); where their sessions are counted against Listener_Sessions, where the AUTH
    penalty's table of client addresses lives, and where Message_Memory_Budget is counted (each None: in this
    process only). `sockets` may be a dict the owner adds to before a reload."""

    sockets: Mapping[ListenAddress, object] = field(default_factory=dict)  # socket.socket objects
    tally: Tally | None = None
    penalty: Book | None = None
    memory: MemoryPool | None = None  # Message_Memory_Budget's claims of every worker (None: this process's own)


@dataclass(frozen=True)
class Generation:
    """What a session keeps from the config it started under, whatever reloads happen meanwhile."""

    config: ServerConfig
    maildir: Maildir
    credentials: Credentials


@dataclass(eq=False)
class Slot:
    spec: ListenerSpec
    resolver: PolicyResolver
    handle: object = None  # the server's listening object; None while unbound
    bound: BoundAddress = ""
    active: int = 0  # sessions this process has open on it (admission.py counts them)


@dataclass(frozen=True)
class ReloadResult:
    added: Mapping[str, BoundAddress] = field(default_factory=dict)  # listeners newly bound, by name
    removed: tuple[str, ...] = ()  # listeners that stopped accepting


@dataclass
class Plan:
    wanted: dict[ListenAddress, tuple[Slot, ListenerSpec, PolicyResolver]]
    added: list[Slot]  # to bind before committing
    removed: list[Slot]  # to close when committing
    tls: list[SessionPolicy]  # listener-wide policies whose certificates must load
    disabled: list[str]  # listeners with Enable = false

    def commit(self) -> dict[ListenAddress, Slot]:
        """Hand every kept or added slot its new spec; the slots to serve from now on."""
        for slot, spec, resolver in self.wanted.values():
            slot.spec, slot.resolver = spec, resolver
        return {address: slot for address, (slot, _spec, _resolver) in self.wanted.items()}

    def result(self) -> ReloadResult:
        return ReloadResult({s.spec.name: s.bound for s in self.added}, tuple(s.spec.name for s in self.removed))


def plan(config: ServerConfig, current: Mapping[ListenAddress, Slot]) -> Plan:
    wanted: dict[ListenAddress, tuple[Slot, ListenerSpec, PolicyResolver]] = {}
    added: list[Slot] = []
    tls: list[SessionPolicy] = []
    disabled: list[str] = []
    for spec in config.listeners:
        resolver = PolicyResolver(spec.layers)
        base = resolver(None)
        if not base.enable:
            disabled.append(spec.name)
            continue
        if base.tls_available:
            tls.append(base)
        slot = current.get(spec.address) or (wanted[spec.address][0] if spec.address in wanted else None)
        if slot is None:
            slot = Slot(spec, resolver)
            added.append(slot)
        wanted[spec.address] = (slot, spec, resolver)
    removed = [slot for address, slot in current.items() if address not in wanted]
    return Plan(wanted, added, removed, tls, disabled)


def addresses(slots: Mapping[ListenAddress, Slot]) -> dict[str, BoundAddress]:
    return {slot.spec.name: slot.bound for slot in slots.values()}
