"""A413 auth-cleartext-without-tls: LOGIN or PLAIN is offered on a Listen where TLS is impossible.

LOGIN and PLAIN send the password itself, only base64-encoded. They are safe only inside TLS: either implicit
TLS (`use_ssl = true`) or STARTTLS (listed in SMTP_Extensions, with TLS_Certificate and TLS_Key). A Listen on
a Unix socket or a loopback address is not reported: its traffic never leaves the machine.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "AUTH LOGIN" )
        AuthLoginParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      TLS_Certificate = "/etc/ssl/mail.example.com.crt"
      TLS_Key = "/etc/ssl/private/mail.example.com.key"
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH LOGIN" )
        AuthLoginParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass, Resolution, Resolved
from ..models import Listen
from .auth_offers import describe, is_local, listen_span, offers

CODE = "A413"
SUMMARY = "LOGIN or PLAIN offered where no TLS is possible"
DEFAULT_SEVERITY = Severity.WARNING

CLEARTEXT_MECHANISMS = ("LOGIN", "PLAIN")


def tls_possible(fields: Resolution, starttls: dict[int, tuple[Resolved, bool]]) -> bool:
    """Whether the class can have TLS; `starttls` remembers, per resolved SMTP_Extensions (shared by the classes
    of the scope that sets it, and kept alive beside the answer), whether it lists STARTTLS."""
    if fields["use_ssl"].value:
        return True
    resolved = fields["smtp_extensions"]
    found = starttls.get(id(resolved))
    if found is None:
        listed = any(item.upper().split()[:1] == ["STARTTLS"] for item in resolved.value or [])
        found = starttls[id(resolved)] = (resolved, listed)
    return found[1] and bool(fields["tls_certificate"].value and fields["tls_key"].value)


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    shared = offers(ctx)
    exposed: dict[int, tuple[Listen, set[str], list[ClientClass]]] = {}
    starttls: dict[int, tuple[Resolved, bool]] = {}
    for served in shared.served:
        offered = served.offered
        if ("LOGIN" not in offered and "PLAIN" not in offered) or tls_possible(served.fields, starttls):
            continue  # the usual case, asked of every class: kept to plain tests
        cls = served.cls
        if is_local(cls.listen):
            continue
        mechanisms = [m for m in CLEARTEXT_MECHANISMS if m in offered]
        _listen, found, classes = exposed.setdefault(id(cls.listen), (cls.listen, set(), []))
        found.update(mechanisms)
        classes.append(cls)
    for listen, found, classes in exposed.values():
        span = listen_span(ctx, listen)
        if span is None:
            continue
        names = [m for m in CLEARTEXT_MECHANISMS if m in found]
        verb = "send" if len(names) > 1 else "sends"
        yield Diagnostic(
            CODE,
            f"{' and '.join(names)} {verb} passwords in clear text, and {describe(classes)} offers no TLS",
            span,
            hint='add "STARTTLS" to SMTP_Extensions with TLS_Certificate and TLS_Key, or use_ssl = true;'
            " or offer only CRAM-MD5, DIGEST-MD5 or SCRAM-SHA-256 there",
        )
