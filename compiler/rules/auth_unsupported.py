"""A408 auth-unsupported: an AUTH mechanism or credential back-end that `ecconf serve` cannot provide.

ecconf serves PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5 (and SCRAM-SHA-256) from `file:` and `digest:` password
files, and from the auth_ds Schemes the config defines (`uri = "name://"`). Momentum may serve more
(GSSAPI, NTLM, ...; back-ends such as radius:// through other modules), so the config may well be right for
Momentum; this says that `ecconf serve` will not offer that mechanism, or will not be able to use that uri.
In a config with auth_ds Schemes, a `name://` uri naming none of them is A416 instead.

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

from ..auth_ds import served_schemes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import FILE_SCHEMES, SUPPORTED_MECHANISMS, uri_scheme
from .auth_ds_unknown_scheme import names_a_scheme
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
    schemes = served_schemes(ctx.config)
    for auth in ctx.facts.auth_dicts:
        uri, span = auth.params.uri, auth.params.span_of("uri")
        if uri is None or span is None:
            continue
        scheme = uri_scheme(uri)
        if not valid_scheme(scheme) or scheme in FILE_SCHEMES:
            continue  # A403 judges a uri without a scheme
        if schemes and names_a_scheme(uri):
            continue  # an auth_ds Scheme (served), or A416's: a name:// that names none of them
        # The message names the scheme only: a back-end URI may carry a database password.
        yield Diagnostic(
            CODE,
            f"{scheme}: names an external authentication back-end; Momentum may serve it, `ecconf serve`"
            f" cannot, so AUTH {auth.mechanism} will not be offered there",
            span,
            hint="to serve it with ecconf, define an auth_ds Scheme of that name over a Datasource, or export the"
            " users to a file: or digest: password file",
        )
