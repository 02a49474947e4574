"""S506 proxy-protocol-public: a Proxy_Protocol Listen on a public address, with no Proxy_Protocol_Trusted.

With Proxy_Protocol on, the server believes the client address a PROXY header names: Relay_Hosts, Peer
scopes, the per-address connection cap and the AUTH guessing penalty all key on it. Anyone who can reach
such a Listen can therefore claim to be a relay host, or a new address for every guess. Momentum scopes
that trust only by which endpoint has the option: bind it to a loopback or private address (or a Peer
scope of private networks), or list the proxies in ecconf's Proxy_Protocol_Trusted, which refuses every
other source. Reported for a Listen bound to a public address or to every address (`:25`, `[::]:25`),
where the option takes effect for clients no Proxy_Protocol_Trusted narrows.

Bad:
    ESMTP_Listener {
      Listen ":25" {
        Proxy_Protocol = true
      }
    }

Good:
    ESMTP_Listener {
      Listen "10.0.0.5:25" {
        Proxy_Protocol = true
      }
      Listen ":26" {
        Proxy_Protocol = true
        Proxy_Protocol_Trusted = ( "10.0.0.0/8" )
      }
    }
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass
from ..runtime_facts import to_listen_address
from ..span import Span
from ..values import to_cidr

CODE = "S506"
SUMMARY = "Proxy_Protocol on a Listen that anyone may reach, with no Proxy_Protocol_Trusted"
DEFAULT_SEVERITY = Severity.WARNING


def _internal(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Loopback, private or link-local: reachable only from inside (never "every address")."""
    first = network.network_address
    if network.prefixlen == 0 or first.is_unspecified:
        return False
    return all(a.is_loopback or a.is_private or a.is_link_local for a in (first, network.broadcast_address))


def _reach(cls: ClientClass) -> str | None:
    """Who may send this class a header, when that is anyone: the Listen's address as written, or None."""
    peer = cls.listen_peer or cls.listener_peer
    if peer is not None:
        try:
            if _internal(to_cidr(peer.network).network):
                return None
        except ValueError:
            return None  # E304 reports it
    try:
        address = to_listen_address(cls.listen.address)
    except ValueError:
        return None  # E302 reports it
    if address.kind != "tcp":
        return None  # a Unix socket: its file permissions say who connects
    host = ipaddress.ip_address(address.host)
    return None if _internal(ipaddress.ip_network(host)) else cls.listen.address


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    reported: set[tuple[Span, str]] = set()
    for cls, fields in ctx.resolved:
        if fields["enable"].value is False:
            continue  # a disabled Listen serves no one
        resolved = fields["proxy_protocol"]
        if resolved.value is not True or resolved.span is None or fields["proxy_protocol_trusted"].value:
            continue
        where = _reach(cls)
        if where is None or (resolved.span, where) in reported:
            continue
        reported.add((resolved.span, where))
        yield Diagnostic(
            CODE,
            f"Proxy_Protocol on Listen {where!r}: anyone who reaches it may claim any client address, "
            "relay-permitted or fresh for each AUTH guess",
            resolved.span,
            hint="bind it to an internal address, or list the proxies in Proxy_Protocol_Trusted (ecconf extension)",
        )
