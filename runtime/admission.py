"""Who may open one more session on a listener: Enable, Listener_Sessions and Max_Connections_Per_Address.

Rule of this room: bookkeeping only, no I/O and no clock. A new connection is admitted against two caps, each
counted per listener, as resolved for its client: at most `max_connections_per_address` sessions from its
address (the IPv4 address, or the IPv6 /64, the unit the AUTH penalty uses; clients that are not IP, on a
Unix socket, are not counted), then at most `listener_sessions` in all. A client for whom Enable resolves
false (a Peer scope's `Enable = false`; a Listen that is off is never bound) is not admitted at all, as lint
reads it: no session is served there. Both counts are this process's own
by default; under `serve --workers N` the workers share them (a `Tally`, and a `ClientTally` for the
addresses), so that the caps hold for the machine rather than for each worker. What `admit` counts, the
`Ticket` it returns gives back, once, when the session ends; a refusal is the reply to send before closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from . import replies
from .config import ListenAddress, SessionPolicy
from .listeners import Slot
from .penalty import address_key
from .replies import Reply


class Tally(Protocol):
    """Sessions open on each listener, counted wherever Listener_Sessions must hold (e.g. across processes)."""

    def admit(self, address: ListenAddress, cap: int) -> bool:
        """Count one more session on the listener at `address`, unless `cap` (0: none) are open already."""
        ...

    def release(self, address: ListenAddress) -> None:
        """One session that `admit` counted there has ended."""
        ...


@runtime_checkable
class ClientTally(Protocol):
    """Sessions open per (listener, client address key), counted wherever the cap must hold."""

    def admit_client(self, address: ListenAddress, client: str, cap: int) -> bool | None:
        """Count one more unless `cap` are open; None: it cannot count this one (this process counts it)."""
        ...

    def release_client(self, address: ListenAddress, client: str) -> None: ...


@dataclass(eq=False, slots=True)
class Ticket:
    """What one admitted session holds; `release()` gives it back (a second call does nothing)."""

    admission: Admission
    slot: Slot
    client: str | None  # the address key counted against max_connections_per_address, if any
    shared: bool = False  # `client` was counted by the ClientTally, not by this process
    released: bool = False

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        self.admission._release(self)


class Admission:
    def __init__(self, tally: Tally | None = None) -> None:
        self._tally = tally
        self._shared_clients = tally if isinstance(tally, ClientTally) else None
        self._clients: dict[tuple[ListenAddress, str], int] = {}  # (listener, address key) -> sessions open

    def admit(self, slot: Slot, policy: SessionPolicy, client_ip: str | None) -> Ticket | Reply:
        """A ticket for the new session, or the 421 (or, where Enable is false for the client, 554) that refuses it."""
        if not policy.enable:
            return replies.NO_SERVICE
        address = slot.spec.address
        cap = policy.max_connections_per_address
        client = address_key(client_ip) if cap else None
        shared = False
        if client is not None:
            counted = None if self._shared_clients is None else self._shared_clients.admit_client(address, client, cap)
            if counted is False or (counted is None and self._clients.get((address, client), 0) >= cap):
                return replies.TOO_MANY_CONNECTIONS
            shared = counted is True
        sessions = policy.listener_sessions
        if self._tally is not None:
            refused = not self._tally.admit(address, sessions)
        else:
            refused = bool(sessions) and slot.active >= sessions
        if refused:
            if shared and client is not None and self._shared_clients is not None:
                self._shared_clients.release_client(address, client)
            return replies.CONCURRENCY_LIMIT
        slot.active += 1
        if client is not None and not shared:
            self._clients[address, client] = self._clients.get((address, client), 0) + 1
        return Ticket(self, slot, client, shared)

    def from_address(self, address: ListenAddress, client_ip: str | None) -> int:
        """Sessions counted for this client's address on the listener at `address`; for tests and logs."""
        client = address_key(client_ip)
        return 0 if client is None else self._clients.get((address, client), 0)

    def _release(self, ticket: Ticket) -> None:
        slot = ticket.slot
        slot.active -= 1
        address = slot.spec.address
        if self._tally is not None:
            self._tally.release(address)
        if ticket.client is not None and ticket.shared and self._shared_clients is not None:
            self._shared_clients.release_client(address, ticket.client)
        elif ticket.client is not None:
            key = (address, ticket.client)
            left = self._clients.get(key, 0) - 1
            if left > 0:
                self._clients[key] = left
            else:
                self._clients.pop(key, None)
