"""A415 auth-require-tls-without-tls: Auth_Require_TLS = true where no TLS is possible, so PLAIN/LOGIN never work.

With `Auth_Require_TLS = true` the server refuses PLAIN and LOGIN (538) until the session is under TLS. On a
Listen with neither `use_ssl = true` nor STARTTLS (listed in SMTP_Extensions, with TLS_Certificate and
TLS_Key) that never happens: they are left out of EHLO and no client can use them. Reported wherever it
happens, loopback and Unix sockets included (A413 reports the opposite case, clear text offered).

Bad:
    ESMTP_Listener {
      Auth_Require_TLS = true
      Listen ":587" {
        SMTP_Extensions = ( "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      Auth_Require_TLS = true
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
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass
from ..models import Listen
from .auth_offers import CLEARTEXT_NAMES, describe, listen_span, offers, tls_facts

CODE = "A415"
SUMMARY = "Auth_Require_TLS = true where no TLS is possible: PLAIN and LOGIN can never be used"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    tls = tls_facts(ctx)
    refused: dict[int, tuple[Listen, set[str], list[ClientClass]]] = {}
    for served in offers(ctx).served:
        offered = served.offered
        if "LOGIN" not in offered and "PLAIN" not in offered:
            continue
        fields = served.fields
        if tls.tls_possible(fields) or not tls.clear_text_waits(fields):
            continue
        _listen, found, classes = refused.setdefault(id(served.cls.listen), (served.cls.listen, set(), []))
        found.update(m for m in CLEARTEXT_NAMES if m in offered)
        classes.append(served.cls)
    for listen, found, classes in refused.values():
        span = listen_span(ctx, listen)
        if span is None:
            continue
        names = " and ".join(m for m in CLEARTEXT_NAMES if m in found)
        yield Diagnostic(
            CODE,
            f"{names} can never be used: Auth_Require_TLS = true, and {describe(classes)} offers no TLS",
            span,
            hint='add "STARTTLS" to SMTP_Extensions with TLS_Certificate and TLS_Key, or use_ssl = true;'
            " or set Auth_Require_TLS = false where clear text is acceptable (e.g. loopback)",
        )
