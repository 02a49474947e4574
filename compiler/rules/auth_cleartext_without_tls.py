"""A413 auth-cleartext-without-tls: LOGIN or PLAIN is offered on a Listen before any TLS.

LOGIN and PLAIN send the password itself, only base64-encoded. They are safe only inside TLS: either implicit
TLS (`use_ssl = true`) or STARTTLS (listed in SMTP_Extensions, with TLS_Certificate and TLS_Key), where the
server holds them back until the handshake unless `Auth_Require_TLS = false`. This rule reports where they
are offered in clear text: no TLS is possible, or `Auth_Require_TLS = false` offers them before STARTTLS.
A Listen on a Unix socket or a loopback address is not reported: its traffic never leaves the machine.
(`Auth_Require_TLS = true` where no TLS is possible refuses them instead; A415 reports that.)

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
from ..fallback import ClientClass
from ..models import Listen
from .auth_offers import CLEARTEXT_NAMES, describe, is_local, listen_span, offers, tls_facts

CODE = "A413"
SUMMARY = "LOGIN or PLAIN offered before any TLS"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    shared = offers(ctx)
    tls = tls_facts(ctx)
    # Per Listen: the Listen, the mechanisms exposed, the classes with no TLS, the classes told "false".
    exposed: dict[int, tuple[Listen, set[str], list[ClientClass], list[ClientClass]]] = {}
    for served in shared.served:
        offered = served.offered
        if "LOGIN" not in offered and "PLAIN" not in offered:
            continue  # the usual case, asked of every class: kept to plain tests
        fields = served.fields
        if fields["use_ssl"].value or tls.clear_text_waits(fields):
            continue
        cls = served.cls
        if is_local(cls.listen):
            continue
        _listen, found, without, opted = exposed.setdefault(id(cls.listen), (cls.listen, set(), [], []))
        found.update(m for m in CLEARTEXT_NAMES if m in offered)
        (opted if tls.starttls_offered(fields) else without).append(cls)
    for listen, found, without, opted in exposed.values():
        span = listen_span(ctx, listen)
        if span is None:
            continue
        names = [m for m in CLEARTEXT_NAMES if m in found]
        verb = "send" if len(names) > 1 else "sends"
        if without:
            yield Diagnostic(
                CODE,
                f"{' and '.join(names)} {verb} passwords in clear text, and {describe(without)} offers no TLS",
                span,
                hint='add "STARTTLS" to SMTP_Extensions with TLS_Certificate and TLS_Key, or use_ssl = true;'
                " or offer only CRAM-MD5, DIGEST-MD5 or SCRAM-SHA-256 there",
            )
        else:
            yield Diagnostic(
                CODE,
                f"{' and '.join(names)} {verb} passwords in clear text, and {describe(opted)} offers"
                " them before STARTTLS (Auth_Require_TLS = false)",
                span,
                hint="leave Auth_Require_TLS unset (or true) so they wait for the TLS handshake",
            )
