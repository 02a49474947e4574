"""S502 use-ssl-with-starttls: Use_SSL (implicit TLS) and STARTTLS on the same listener.

`Use_SSL = true` makes a Listen speak TLS from the first byte (port 465, RFC 8314); STARTTLS upgrades a
plain-text session. The two exclude each other: on an implicit-TLS socket the session is already encrypted,
and a client that takes up the STARTTLS offer gets an error. Both are looked up per client class, the way
the server does (Listen::Peer > Listen > ESMTP_Listener::Peer > ESMTP_Listener).

Bad:
    ESMTP_Listener {
      SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
      TLS_Certificate = "/etc/ecelerity/mx.pem"
      TLS_Key = "/etc/ecelerity/mx.key"
      Listen ":465" {
        Use_SSL = true
      }
    }

Good:
    ESMTP_Listener {
      SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
      TLS_Certificate = "/etc/ecelerity/mx.pem"
      TLS_Key = "/etc/ecelerity/mx.key"
      Listen ":587" { }
      Listen ":465" {
        Use_SSL = true
        SMTP_Extensions = ( "AUTH PLAIN" )
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..span import Span
from .unknown_smtp_extension import keywords

CODE = "S502"
SUMMARY = "Use_SSL and STARTTLS on the same listener"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    reported: set[tuple[Span, Span | None]] = set()
    for cls, fields in ctx.resolved:
        if fields["enable"].value is False:
            continue  # a disabled Listen serves no one
        use_ssl = fields["use_ssl"]
        if use_ssl.value is not True:
            continue
        item = keywords(ctx, fields["smtp_extensions"]).get("STARTTLS")
        if item is None or (item.span, use_ssl.span) in reported:
            continue
        reported.add((item.span, use_ssl.span))
        related = (Related(use_ssl.span, "Use_SSL = true set here"),) if use_ssl.span is not None else ()
        yield Diagnostic(
            CODE,
            f"STARTTLS is advertised on {cls.describe()}, which already uses implicit TLS (Use_SSL = true)",
            item.span,
            hint="remove STARTTLS from SMTP_Extensions for this Listen, or set Use_SSL = false",
            related=related,
        )
