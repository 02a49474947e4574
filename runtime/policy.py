"""Effective options per client (SPEC §3 fallback) and the relay decision.

Rule of this room: pure functions of the config layers, the client address and the AUTH outcome. For each
field, walk the layers most specific first; in each layer look at the most specific Peer network holding the
client, then the layer's own values; the first value found wins, else the field's default. The `auth` field is
resolved per SASL mechanism, because each Auth<Mech>Parameters dict is its own Momentum option.
"""

from __future__ import annotations

import functools
import ipaddress
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from .config import POLICY_FIELDS, IPAddress, MechanismSpec, PolicyLayer, SessionPolicy
from .events import AuthStatus, ValidationContext

_MISSING = object()


@functools.lru_cache(maxsize=4096)  # a session asks for its address several times; clients come back
def client_address(client_ip: str | None) -> IPAddress | None:
    """Parse a peer address; IPv4-mapped IPv6 (dual-stack sockets) counts as IPv4; Unix peers give None."""
    if not client_ip:
        return None
    try:
        addr = ipaddress.ip_address(client_ip.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _scopes(layers: Sequence[PolicyLayer], addr: IPAddress | None) -> list[Mapping[str, object]]:
    """The value mappings to consult, most specific first."""
    scopes: list[Mapping[str, object]] = []
    for layer in layers:
        if addr is not None:
            matches = [(net, vals) for net, vals in layer.peers if net.version == addr.version and addr in net]
            if matches:
                scopes.append(max(matches, key=lambda item: item[0].prefixlen)[1])
        scopes.append(layer.values)
    return scopes


def resolve(layers: Sequence[PolicyLayer], client_ip: str | None) -> SessionPolicy:
    """The SessionPolicy for a client; `client_ip` None (Unix socket, listener-wide view) skips Peer scopes."""
    scopes = _scopes(layers, client_address(client_ip))
    chosen: dict[str, object] = {}
    for name in POLICY_FIELDS - {"auth"}:
        for scope in scopes:
            value = scope.get(name, _MISSING)
            if value is not _MISSING:
                chosen[name] = value
                break
    auth: dict[str, MechanismSpec] = {}
    for scope in reversed(scopes):  # least specific first, so more specific entries overwrite
        specs = scope.get("auth")
        if isinstance(specs, Mapping):
            auth.update({str(k).upper(): v for k, v in specs.items()})
    chosen["auth"] = MappingProxyType(auth)
    return SessionPolicy(**chosen)  # type: ignore[arg-type]


class PolicyResolver:
    """`resolve` for one listener with a bounded LRU cache keyed by client IP."""

    def __init__(self, layers: Sequence[PolicyLayer], max_entries: int = 4096) -> None:
        self.layers = tuple(layers)
        self._max = max_entries
        self._cache: OrderedDict[str | None, SessionPolicy] = OrderedDict()

    def __call__(self, client_ip: str | None) -> SessionPolicy:
        policy = self._cache.get(client_ip)
        if policy is not None:
            self._cache.move_to_end(client_ip)
            return policy
        policy = resolve(self.layers, client_ip)
        self._cache[client_ip] = policy
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return policy


def auth_verdict(policy: SessionPolicy, credentials_ok: bool) -> bool:
    """Momentum's overrides: always_deny fails every AUTH; otherwise always_allow passes every AUTH."""
    if policy.always_deny:
        return False
    return credentials_ok or policy.always_allow


def may_relay(policy: SessionPolicy, client_ip: str | None, context: ValidationContext) -> bool:
    """Authenticated sessions, relay_hosts, open_relay and always_allow peers may relay (SPEC §4, §6)."""
    if context.auth_status is AuthStatus.PASS or policy.open_relay:
        return True
    if policy.always_allow and not policy.always_deny:
        return True
    addr = client_address(client_ip)
    return addr is not None and any(addr.version == net.version and addr in net for net in policy.relay_hosts)
