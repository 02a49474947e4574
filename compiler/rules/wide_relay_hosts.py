"""S504 wide-relay-hosts: a Relay_Hosts network so wide that it is nearly an open relay.

Clients in Relay_Hosts may relay without authenticating. A network wider than /8 (IPv4, over 16 million
addresses) or /32 (IPv6) reaches far beyond any one organisation's machines, and `0.0.0.0/0` or `::/0` is
every address there is — an open relay by another name. Checked in the global scope, ESMTP_Listener, Listen
and Peer.

Bad:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.0/8" "0.0.0.0/0" )
    }

Good:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.0/8" "10.0.0.0/8" "2001:db8::/32" )
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity

CODE = "S504"
SUMMARY = "Relay_Hosts holds a network wider than /8 (IPv4) or /32 (IPv6)"
DEFAULT_SEVERITY = Severity.WARNING

WIDEST = {4: 8, 6: 32}  # the shortest prefix length still accepted, by IP version


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for _owner, cidr, node in ctx.facts.relay_hosts:
        network = cidr.network
        if network.prefixlen >= WIDEST[network.version]:
            continue
        if network.prefixlen == 0:
            message = f"Relay_Hosts entry {node.value!r} is every IPv{network.version} address: anyone may relay"
        else:
            size = f"{network.num_addresses:,} addresses" if network.version == 4 else f"a /{network.prefixlen}"
            message = (
                f"Relay_Hosts entry {node.value!r} covers {size}, wider than /{WIDEST[network.version]}: "
                "almost anyone may relay"
            )
        yield Diagnostic(
            CODE,
            message,
            node.span,
            hint="list only the networks of your own clients (e.g. 192.0.2.0/24); make everyone else use AUTH",
        )
