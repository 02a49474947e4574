"""A404 auth-uri-cannot-serve: the store the uri names holds secrets the mechanism cannot use.

PLAIN, LOGIN, CRAM-MD5 (and SCRAM-SHA-256) need clear-text passwords: a `file:` store. DIGEST-MD5 expects
`digest:` hashes H(user:realm:password) as written by ec_md5passwd, unless `stored_cleartext = true`, and
then it needs a clear-text `file:` store instead. An auth_ds Scheme (`uri = "name://"`) checks passwords
itself and hands out no secret, so it serves PLAIN and LOGIN only. A mismatch means every login fails.
The answer comes from the server's own table of which secret serves which mechanism, so lint and
`ecconf serve` agree.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
        AuthCramMD5Parameters = [ uri = "digest:passwords/digest.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" "AUTH DIGEST-MD5" )
        AuthCramMD5Parameters = [ uri = "file:passwords/clear.txt" ]
        AuthDigestMD5Parameters = [ uri = "digest:passwords/digest.txt" realm = "mail.example.com" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..auth_ds import served_schemes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..runtime_facts import auth_ds_scheme, can_serve, describe_secrets, required_secrets, store_kinds, uri_scheme
from .auth_offers import PARAMETER_NAMES

CODE = "A404"
SUMMARY = "the uri's stored secrets cannot serve the mechanism"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    schemes = served_schemes(ctx.config)
    for auth in ctx.facts.auth_dicts:
        params, mechanism = auth.params, auth.mechanism
        span = params.span_of("uri")
        kinds = store_kinds(params.uri, schemes) if params.uri else None
        if kinds is None or span is None:
            continue  # no uri (A403) or an external back-end (A408): nothing known about its secrets
        cleartext = bool(params.stored_cleartext) and mechanism == "DIGEST-MD5"
        if can_serve(mechanism, kinds, cleartext):
            continue
        needed = describe_secrets(required_secrets(mechanism, cleartext))
        scheme = uri_scheme(params.uri or "")
        related: tuple[Related, ...] = ()
        scheme_of_ds = auth_ds_scheme(params.uri or "", schemes)
        if scheme_of_ds is not None:
            yield Diagnostic(
                CODE,
                f"{mechanism} needs {needed}, but the auth_ds Scheme {scheme_of_ds!r} only checks passwords it is"
                f" given: it serves PLAIN and LOGIN ({PARAMETER_NAMES[mechanism]})",
                span,
                hint=f"serve {mechanism} from a file: password file of clear-text passwords, or offer PLAIN/LOGIN"
                " (over TLS) for this scheme",
            )
            continue
        if mechanism == "DIGEST-MD5":
            setting = params.span_of("stored_cleartext")
            if cleartext and setting is not None:
                related = (Related(setting, "stored_cleartext = true asks for clear-text passwords"),)
                hint = "remove stored_cleartext to use this digest: file, or point uri at a file: password file"
            else:
                hint = 'use a digest: file written by ec_md5passwd, or set stored_cleartext = "true"'
        else:
            hint = f"point uri at a file: password file (user:password lines); {scheme}: cannot serve {mechanism}"
        yield Diagnostic(
            CODE,
            f"{mechanism} needs {needed}, but a {scheme}: store holds {describe_secrets(kinds)}"
            f" ({PARAMETER_NAMES[mechanism]})",
            span,
            hint=hint,
            related=related,
        )
