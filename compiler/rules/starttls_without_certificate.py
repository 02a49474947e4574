"""S501 starttls-without-certificate: STARTTLS is advertised to clients that no certificate or key serves.

A client that sees STARTTLS in the EHLO reply will try it; without a TLS_Certificate *and* a TLS_Key the
handshake fails, and a client that insists on TLS (every submission client should) cannot send at all. Both
are looked up the way the server does for each client class: Listen::Peer > Listen > ESMTP_Listener::Peer >
ESMTP_Listener > the global scope. So a certificate on ESMTP_Listener serves every Listen below it, and
STARTTLS set on ESMTP_Listener is reported for the Listen that has no certificate.

Bad:
    ESMTP_Listener {
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "STARTTLS" )
      Listen ":587" {
        TLS_Certificate = "/etc/ecelerity/mx.pem"
      }
    }

Good:
    ESMTP_Listener {
      SMTP_Extensions = ( "ENHANCEDSTATUSCODES" "STARTTLS" )
      TLS_Key = "/etc/ecelerity/mx.key"
      Listen ":587" {
        TLS_Certificate = "/etc/ecelerity/mx.pem"
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import Resolution
from ..span import Span
from .unknown_smtp_extension import keywords

CODE = "S501"
SUMMARY = "STARTTLS advertised without an effective TLS_Certificate and TLS_Key"
DEFAULT_SEVERITY = Severity.ERROR

TLS_FILES = {"tls_certificate": "TLS_Certificate", "tls_key": "TLS_Key"}


def tls_setting(ctx: CheckContext, fields: Resolution, field: str) -> object:
    """The effective value of a TLS option, the global scope included.

    fallback.effective stops at ESMTP_Listener for these options because the global model keeps them among
    its uninterpreted `options`; Momentum documents them as valid globally too."""
    resolved = fields[field]
    if resolved.value is None:
        return ctx.config.options.get(field) or None
    return resolved.value or None  # an explicitly empty value leaves these clients without one


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # One finding per STARTTLS item: several client classes usually inherit the same line.
    reported: set[Span] = set()
    done: set[int] = set()  # ids of the items whose span is reported (most classes share one item)
    for cls, fields in ctx.resolved:
        if fields["enable"].value is False:
            continue  # a disabled Listen serves no one
        item = keywords(ctx, fields["smtp_extensions"]).get("STARTTLS")
        if item is None or id(item) in done:
            continue
        if item.span in reported:
            done.add(id(item))
            continue
        if fields["tls_certificate"].value and fields["tls_key"].value:
            continue  # both set here (the usual case): nothing is missing
        missing = [label for field, label in TLS_FILES.items() if tls_setting(ctx, fields, field) is None]
        if not missing:
            continue
        reported.add(item.span)
        done.add(id(item))
        yield Diagnostic(
            CODE,
            f"STARTTLS is advertised to clients of {cls.describe()}, but no {' or '.join(missing)} is set for them",
            item.span,
            hint=f"set {' and '.join(missing)} (on the Listen or on ESMTP_Listener), or remove STARTTLS",
        )
