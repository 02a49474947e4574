"""E305 cidr-host-bits: a Peer or Relay_Hosts network is written with host bits set.

`10.0.0.1/8` is read as `10.0.0.0/8`: the bits after the prefix length are dropped. Usually one of the two
halves is a mistake — a single host was meant (`10.0.0.1/32`, or just `10.0.0.1`) or the prefix is wrong —
and the network actually covered is much wider than what the text suggests.

Bad:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.1/8" "192.0.2.10/24" )
      Peer "10.1.2.3/16" { Open_Relay = false }
    }

Good:
    ESMTP_Listener {
      Relay_Hosts = ( "127.0.0.0/8" "192.0.2.10" )
      Peer "10.1.0.0/16" { Open_Relay = false }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..span import Span
from ..values import CidrValue

CODE = "E305"
SUMMARY = "a Peer or Relay_Hosts network has host bits set"
DEFAULT_SEVERITY = Severity.WARNING


def _finding(what: str, written: str, cidr: CidrValue, span: Span) -> Diagnostic:
    network = cidr.network
    host = written.strip().split("/")[0]
    single = "32" if network.version == 4 else "128"
    return Diagnostic(
        CODE,
        f"{what} {written!r} has host bits set; it means {network}",
        span,
        hint=f"write {str(network)!r} for the network, or {host!r} (/{single}) for the single host",
    )


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for _peer, cidr, scope in ctx.facts.peers:
        if cidr is not None and cidr.had_host_bits and scope.instance is not None:
            yield _finding("Peer", scope.instance.value, cidr, scope.instance.span)
    for _owner, cidr, node in ctx.facts.relay_hosts:
        if cidr.had_host_bits:
            yield _finding("Relay_Hosts entry", node.value, cidr, node.span)
