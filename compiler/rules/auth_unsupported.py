"""A408 auth-unsupported: an AUTH mechanism or credential back-end that `ecconf serve` cannot provide.

ecconf serves PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5 (and SCRAM-SHA-256) from `file:` and `digest:` password
files. Momentum may serve more (GSSAPI, NTLM, ...; back-ends such as mysqlauth:// or radius:// through
auth_ds modules), so the config may well be right for Momentum; this says that `ecconf serve` will not
offer that mechanism, or will not be able to use that uri.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH GSSAPI" )
      }
    }

Good:
    ESMTP_Listener {
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
from ..runtime_facts import FILE_SCHEMES, SUPPORTED_MECHANISMS, uri_scheme
from .auth_offers import adverts, valid_scheme

CODE = "A408"
SUMMARY = "AUTH mechanism or uri scheme that ecconf cannot serve"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    supported = ", ".join(sorted(SUPPORTED_MECHANISMS))
    for advert in adverts(ctx).written():
        if advert.mechanism in SUPPORTED_MECHANISMS:
            continue
        yield Diagnostic(
            CODE,
            f"AUTH {advert.mechanism} is not a mechanism ecconf can serve; Momentum may, `ecconf serve` will not"
            " offer it",
            advert.span,
            hint=f"ecconf serves {supported}",
        )
    for auth in ctx.facts.auth_dicts:
        uri, span = auth.params.uri, auth.params.span_of("uri")
        if uri is None or span is None:
            continue
        scheme = uri_scheme(uri)
        if not valid_scheme(scheme) or scheme in FILE_SCHEMES:
            continue  # A403 judges a uri without a scheme
        # The message names the scheme only: a back-end URI may carry a database password.
        yield Diagnostic(
            CODE,
            f"{scheme}: names an external authentication back-end; Momentum may serve it, `ecconf serve`"
            f" cannot, so AUTH {auth.mechanism} will not be offered there",
            span,
            hint="to serve it with ecconf, export the users to a file: or digest: password file",
        )
