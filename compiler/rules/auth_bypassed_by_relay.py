"""A414 auth-bypassed-by-relay: AUTH is offered on a Listen where some clients may relay without it.

Clients in `relay_hosts` (from the Peer, Listen, ESMTP_Listener or global scope) and all clients under
`open_relay = true` may relay without authenticating: AUTH is not required of them. That is often intended
(a trusted internal network), so this is information: it says which clients skip AUTH, so an accidental
`open_relay` or a too-wide network does not go unnoticed.

Bad:
    ESMTP_Listener {
      Relay_Hosts = ( "10.0.0.0/8" )
      TLS_Certificate = "/etc/ssl/mail.example.com.crt"
      TLS_Key = "/etc/ssl/private/mail.example.com.key"
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      TLS_Certificate = "/etc/ssl/mail.example.com.crt"
      TLS_Key = "/etc/ssl/private/mail.example.com.key"
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..models import Listen
from ..span import Span
from .auth_offers import listen_span, offers

CODE = "A414"
SUMMARY = "AUTH offered, but relay_hosts or open_relay lets some clients relay without it"
DEFAULT_SEVERITY = Severity.INFO

SHOWN = 4


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    shared = offers(ctx)
    # Listen -> (open_relay client descriptions, relay_hosts networks, where each was set, the ids of the
    # relay_hosts already counted: classes that share a scope's setting share its Resolved too)
    found: dict[int, tuple[Listen, list[str], list[str], dict[Span, str], set[int]]] = {}
    for served in shared.served:
        if not served.offered:
            continue
        cls = served.cls
        entry = found.get(id(cls.listen))
        if entry is None:
            entry = found[id(cls.listen)] = (cls.listen, [], [], {}, set())
        _listen, open_to, networks, where, counted = entry
        open_relay = served.fields["open_relay"]
        if open_relay.value and open_relay.span is not None:
            peer = cls.listen_peer or cls.listener_peer
            open_to.append(f"clients in {peer.network}" if peer is not None else "every client")
            where[open_relay.span] = "open_relay = true set here"
        relay_hosts = served.fields["relay_hosts"]
        if relay_hosts.value and relay_hosts.span is not None and id(relay_hosts) not in counted:
            counted.add(id(relay_hosts))
            networks.extend(n for n in relay_hosts.value if n not in networks)
            where[relay_hosts.span] = "relay_hosts set here"
    for listen, open_to, networks, where, _counted in found.values():
        span = listen_span(ctx, listen)
        if span is None or not (open_to or networks):
            continue
        parts = []
        if open_to:
            parts.append(f"{_join(list(dict.fromkeys(open_to)))} (open_relay)")
        if networks:
            parts.append(f"clients in {_join(networks)} (relay_hosts)")
        yield Diagnostic(
            CODE,
            f"AUTH is offered on Listen {listen.address!r}, but {' and '.join(parts)} may relay without it",
            span,
            hint="if AUTH should be required of them, narrow relay_hosts or set open_relay = false",
            related=tuple(Related(s, text) for s, text in where.items()),
        )


def _join(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")
