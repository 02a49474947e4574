"""Effective option values: which level of the config decides an option for a given client.

Rule of this room: SPEC §3's order, and only here — Listen::Peer (most specific matching CIDR) > Listen >
ESMTP_Listener::Peer (most specific) > ESMTP_Listener > global (for options valid there) > the default.
Every answer says where it came from, so a diagnostic can point at the line that decided.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .models import Config, EsmtpListener, Listen, ListenerOptions, Model, Peer, field_names
from .runtime_facts import client_address, to_listen_address
from .span import Span
from .values import to_cidr

# The engine's defaults for the options it interprets (Momentum's documented defaults).
DEFAULTS: dict[str, Any] = {
    "enable": True,
    "open_relay": False,
    "use_ssl": False,
    "always_allow": False,
    "always_deny": False,
    "idle_time": 300,
    "listener_sessions": 0,
    "max_message_size": 0,
    "max_recipients_per_message": 0,
}


# Never changed once made, and shared by every client class a scope serves. Not `frozen=True` on purpose: a check
# run makes one per option set in each scope, and a frozen dataclass's __init__ costs about three times a plain one's.
@dataclass(slots=True)
class Resolved:
    value: Any
    level: str  # "listen_peer", "listen", "listener_peer", "listener", "global" or "default"
    owner: Model | None
    span: Span | None


@dataclass(slots=True)  # never changed once made (not frozen: one per Peer combination, frozen costs 3x)
class ClientClass:
    """One kind of client of a Listen: which Peer scopes (if any) match it at each level."""

    listen: Listen
    listen_peer: Peer | None = None
    listener_peer: Peer | None = None

    def describe(self) -> str:
        peers = [p.network for p in (self.listen_peer, self.listener_peer) if p is not None]
        return f"Listen {self.listen.address!r}" + (f" for clients in {peers[0]}" if peers else "")


def _network(peer: Peer) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    return _parse_network(peer.network)


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return to_cidr(text).network  # remembered per text, dotted quads read without ipaddress's parser
    except ValueError:
        return None


def _most_specific(peers: list[Peer], ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Peer | None:
    best: Peer | None = None
    best_len = -1
    for peer in peers:
        net = _network(peer)
        if net is not None and net.version == ip.version and ip in net and net.prefixlen > best_len:
            best, best_len = peer, net.prefixlen
    return best


def class_for_ip(listener: EsmtpListener, listen: Listen, ip: str | None) -> ClientClass:
    """The class of a client at `ip`, read as serve reads a connection's peer (runtime/policy.client_address):
    an IPv4-mapped IPv6 address is its IPv4 one, and None (a Unix socket's peer has no address) is in no Peer."""
    address = client_address(ip)
    if address is None:
        return ClientClass(listen)
    return ClientClass(listen, _most_specific(listen.peers, address), _most_specific(listener.peers, address))


def _overlap(a: Peer, b: Peer) -> bool:
    ra, rb = _range(a.network), _range(b.network)
    # Two networks overlap when their address ranges do (what ipaddress's overlaps() asks, in integers).
    return ra is not None and rb is not None and ra[0] == rb[0] and ra[1] <= rb[2] and rb[1] <= ra[2]


@lru_cache(maxsize=8192)
def _range(text: str) -> tuple[int, int, int] | None:
    """(IP version, first address, last address) of a Peer's network; None if it is not one."""
    net = _parse_network(text)
    if net is None:
        return None
    return (net.version, int(net.network_address), int(net.broadcast_address))


def client_classes(listener: EsmtpListener, listen: Listen) -> Iterator[ClientClass]:
    """Every distinct combination of matching Peer scopes a client of `listen` can fall into."""
    yield ClientClass(listen)
    if _on_unix_socket(listen.address):
        return  # its clients have no address (class_for_ip's None): serve applies no Peer scope to them
    for lp in listen.peers:
        yield ClientClass(listen, lp)
    for ep in listener.peers:
        yield ClientClass(listen, None, ep)
        for lp in listen.peers:
            if _overlap(lp, ep):
                yield ClientClass(listen, lp, ep)


@lru_cache(maxsize=4096)
def _on_unix_socket(address: str) -> bool:
    try:
        return to_listen_address(address).kind == "unix"
    except ValueError:  # E302's; read as a TCP Listen meanwhile
        return False


def effective(config: Config, cls: ClientClass, field: str) -> Resolved:
    """The value of `field` for clients of this class, and where it was set."""
    # Every option field defaults to None. A field this model does not have is not asked of it (Config has
    # few of the listener's fields): a missing attribute would cost an exception, for every class and field.
    for level, owner in (
        ("listen_peer", cls.listen_peer),
        ("listen", cls.listen),
        ("listener_peer", cls.listener_peer),
        ("listener", config.esmtp_listener),
        ("global", config),
    ):
        if owner is not None and field in _fields_of(type(owner)):
            value = getattr(owner, field)
            if value is not None:
                return Resolved(value, level, owner, owner.span_of(field))
    return Resolved(DEFAULTS.get(field), "default", None, None)


_FIELDS: dict[type, frozenset[str]] = {}


def _fields_of(cls: type[Model]) -> frozenset[str]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = frozenset(field_names(cls))
    return found


# The option fields a client class resolves: every ListenerOptions field but the uninterpreted leftovers.
OPTION_FIELDS: frozenset[str] = frozenset(field_names(ListenerOptions)) - {"options", "scopes"}
_UNSET: dict[str, Resolved] = {}


def unset(field: str) -> Resolved:
    """What `effective` answers for a field set at no level (one shared value per field)."""
    found = _UNSET.get(field)
    if found is None:
        found = _UNSET[field] = Resolved(DEFAULTS.get(field), "default", None, None)
    return found


class Resolution(dict[str, Resolved]):
    """One client class's option fields (OPTION_FIELDS), each as `effective` resolves it.

    Only the fields set at some level are stored; indexing any other option field answers its default."""

    __slots__ = ()

    def __missing__(self, field: str) -> Resolved:
        return unset(field)


def layer(owner: Model, level: str) -> dict[str, Resolved]:
    """The option fields set on one scope, as they resolve at `level`."""
    # Every option field defaults to None, and a model built from text has a span for each option set in
    # it (Model.assign): those few names are all there is to look at, rather than every field of the model.
    # A model from JSON input has no spans: every field is looked at.
    spans = owner.spans()
    out: dict[str, Resolved] = {}
    for name in spans if spans else field_names(type(owner)):
        if name not in OPTION_FIELDS:  # the model's own span (None), or a key of its `options`
            continue
        value = getattr(owner, name)
        if value is not None:
            out[name] = Resolved(value, level, owner, spans.get(name))
    return out


class Resolver:
    """Resolutions of the client classes of one config.

    A rule asks a dozen fields of thousands of classes, and most classes share most of their levels: each
    scope's layer is built once (its Resolved values shared by every class it serves), and a class's
    Resolution is those layers merged in SPEC §3's order, lowest first, so each lookup is one dict access."""

    def __init__(self, config: Config) -> None:
        self._base = layer(config, "global")
        if config.esmtp_listener is not None:
            self._base.update(layer(config.esmtp_listener, "listener"))
        # By level, then by id of the scope: a Peer is a listen_peer or a listener_peer depending on its place.
        self._layers: dict[str, dict[int, dict[str, Resolved]]] = {"listen": {}, "listen_peer": {}, "listener_peer": {}}

    def _layer(self, owner: Model, level: str) -> dict[str, Resolved]:
        layers = self._layers[level]
        found = layers.get(id(owner))
        if found is None:
            found = layers[id(owner)] = layer(owner, level)
        return found

    def resolve(self, cls: ClientClass) -> Resolution:
        out = Resolution(self._base)
        if cls.listener_peer is not None:
            out.update(self._layer(cls.listener_peer, "listener_peer"))
        out.update(self._layer(cls.listen, "listen"))
        if cls.listen_peer is not None:
            out.update(self._layer(cls.listen_peer, "listen_peer"))
        return out


def all_classes(config: Config) -> Iterator[ClientClass]:
    listener = config.esmtp_listener
    if listener is None:
        return
    for listen in listener.listens:
        yield from client_classes(listener, listen)
