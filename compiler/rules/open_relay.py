"""S503 open-relay: Open_Relay = true is in effect for some clients: they may relay without authenticating.

With Open_Relay on, any client the setting reaches may send mail to any domain through this server without
AUTH; set for a whole Listen, that is anyone who can connect, and spammers find such servers within hours.
Reported where the setting takes effect for at least one client class (a Peer or Listen that sets it back
to false hides an outer true). To let trusted networks relay, list them in Relay_Hosts; make everyone else
authenticate.

Bad:
    ESMTP_Listener {
      Listen ":25" {
        Open_Relay = true
      }
    }

Good:
    ESMTP_Listener {
      Listen ":25" {
        Relay_Hosts = ( "127.0.0.0/8" "192.0.2.0/24" )
        SMTP_Extensions = ( "AUTH PLAIN" )
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass
from ..span import Span

CODE = "S503"
SUMMARY = "Open_Relay = true lets clients relay without authentication"
DEFAULT_SEVERITY = Severity.WARNING


def _who(cls: ClientClass) -> str:
    peer = cls.listen_peer or cls.listener_peer
    where = f"Listen {cls.listen.address!r}"
    return f"any client in {peer.network} may relay through {where}" if peer else f"anyone may relay through {where}"


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # One finding per Open_Relay line, naming the widest client class it opens (classes come base class first).
    reported: set[Span] = set()
    for cls, fields in ctx.resolved:
        if fields["enable"].value is False:
            continue  # a disabled Listen serves no one
        resolved = fields["open_relay"]
        if resolved.value is not True or resolved.span is None or resolved.span in reported:
            continue
        reported.add(resolved.span)
        option = next(
            (
                a.option
                for a in ctx.assignments("open_relay")
                if a.owner is resolved.owner and a.option.span == resolved.span
            ),
            None,
        )
        yield Diagnostic(
            CODE,
            f"Open_Relay = true: {_who(cls)} without authenticating",
            option.value.span if option is not None else resolved.span,
            hint="set Open_Relay = false; list trusted networks in Relay_Hosts and make others use AUTH",
        )
