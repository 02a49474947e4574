"""A411 auth-scram-extension: SCRAM-SHA-256 is an ecconf extension that Momentum does not have.

RFC 7677's SCRAM-SHA-256 is the successor of DIGEST-MD5 (moved to Historic by RFC 6331) and `ecconf serve`
offers it from a clear-text `file:` store. Momentum knows neither the mechanism nor
AuthScramSHA256Parameters: a config using them only runs on ecconf.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH SCRAM-SHA-256" )
        AuthScramSHA256Parameters = [ uri = "file:passwords/clear.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
        AuthCramMD5Parameters = [ uri = "file:passwords/clear.txt" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .auth_offers import PARAMETER_NAMES, adverts

CODE = "A411"
SUMMARY = "SCRAM-SHA-256 is an ecconf extension Momentum does not have"
DEFAULT_SEVERITY = Severity.INFO

SCRAM = "SCRAM-SHA-256"


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for advert in adverts(ctx).written():
        if advert.mechanism == SCRAM:
            yield Diagnostic(
                CODE,
                f"AUTH {SCRAM} is an ecconf extension (RFC 7677); Momentum does not offer it",
                advert.span,
                hint="keep it only for configs served by ecconf",
            )
    for auth in ctx.facts.auth_dicts:
        if auth.mechanism == SCRAM:
            yield Diagnostic(
                CODE,
                f"{PARAMETER_NAMES[SCRAM]} is an ecconf extension; Momentum rejects it as an unknown option",
                auth.option.name_span,
                hint="keep it only for configs served by ecconf",
            )
