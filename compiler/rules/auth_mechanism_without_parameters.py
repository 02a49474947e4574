"""A401 auth-mechanism-without-parameters: a mechanism is advertised but no Auth<Mech>Parameters applies.

SMTP_Extensions only advertises a mechanism; the server offers it only where the matching
Auth<Mech>Parameters dictionary resolves by fallback (Listen::Peer > Listen > ESMTP_Listener::Peer >
ESMTP_Listener) for the client. Where none does, the "AUTH X" item silently does nothing for those clients.
Parameters on ESMTP_Listener serve every Listen below it; parameters in a Peer serve that Peer's clients
only. A mechanism advertised with `extension = AUTH` / `extension_argument = X` counts as listed too.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
      }
    }

Good:
    ESMTP_Listener {
      AuthCramMD5Parameters = [ uri = "file:passwords/clear.txt" ]
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..fallback import ClientClass
from ..runtime_facts import SUPPORTED_MECHANISMS
from ..span import Span
from .auth_offers import PARAMETER_NAMES, describe, offers

CODE = "A401"
SUMMARY = "an advertised AUTH mechanism has no Auth<Mech>Parameters for some clients"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    shared = offers(ctx)
    missing: dict[tuple[Span, str, bool], list[ClientClass]] = {}
    for served in shared.served:
        for advert in served.advertised:
            if advert.mechanism not in SUPPORTED_MECHANISMS:
                continue  # A408 says the server cannot serve it at all
            if served.params(advert.mechanism) is None:
                missing.setdefault((advert.span, advert.mechanism, advert.legacy), []).append(served.cls)
    for (span, mechanism, legacy), classes in missing.items():
        option = PARAMETER_NAMES[mechanism]
        how = "extension_argument" if legacy else "SMTP_Extensions"
        yield Diagnostic(
            CODE,
            f"AUTH {mechanism} is advertised by {how}, but no {option} applies to {describe(classes)},"
            " so those clients are not offered it",
            span,
            hint=f'add {option} = [ uri = "file:///path/to/passwords" ] to ESMTP_Listener, the Listen or the Peer',
        )
