"""A407 auth-digest-realm-mismatch: entries of a digest: file are for another realm than the one offered.

A digest: line stores H(user:realm:password), so it only serves the realm it was made for. The server
offers the configured `realm`, else the global `Hostname`, else the machine's host name. Users whose
entries carry another realm (ec_md5passwd's default is "Momentum Console") can never log in. Entries with
an empty realm are not counted: a client that sends no realm may still use them.

Requires files. The examples name password files in samples/auth/passwords/, relative to a config in
samples/auth/.

Bad:
    Hostname = "mail.example.com"
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH DIGEST-MD5" )
        AuthDigestMD5Parameters = [ uri = "digest:passwords/console-realm.txt" ]
      }
    }

Good:
    Hostname = "mail.example.com"
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH DIGEST-MD5" )
        AuthDigestMD5Parameters = [ uri = "digest:passwords/digest.txt" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..runtime_facts import UriError, default_realm, read_password_file, uri_scheme
from .auth_offers import password_file

CODE = "A407"
SUMMARY = "digest: entries for a realm other than the one offered"
DEFAULT_SEVERITY = Severity.WARNING
# Its findings depend on the files of the machine linting (see checker: E002 leaves its suppressions alone).
READS_FILES = True

SHOWN_REALMS = 4


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if not ctx.check_files:
        return
    for auth in ctx.facts.auth_dicts:
        params = auth.params
        uri, span = params.uri, params.span_of("uri")
        if auth.mechanism != "DIGEST-MD5" or uri is None or span is None or uri_scheme(uri) != "digest":
            continue
        if params.stored_cleartext:
            continue  # a digest: file cannot serve stored_cleartext at all (A404)
        path = password_file(ctx, uri, span)
        if isinstance(path, UriError):
            continue
        summary, _why = read_password_file(path, "digest")
        if summary is None:
            continue  # A406
        realm = default_realm(params.realm, ctx.config.hostname)
        others = {r: n for r, n in summary.realms.items() if r not in (realm, "")}
        if not others:
            continue
        count = sum(others.values())
        names = sorted(others, key=lambda r: (-others[r], r))
        listed = ", ".join(repr(r) for r in names[:SHOWN_REALMS])
        if len(names) > SHOWN_REALMS:
            listed += f" and {len(names) - SHOWN_REALMS} more"
        of = "all" if count == summary.entries else f"{count} of {summary.entries}"
        source = "realm" if params.realm else "Hostname" if ctx.config.hostname else "the machine's host name"
        related: tuple[Related, ...] = ()
        decided = params.span_of("realm") or ctx.config.span_of("hostname")
        if decided is not None:
            related = (Related(decided, f"the realm offered is {realm!r}"),)
        yield Diagnostic(
            CODE,
            f"{of} entries of this digest: file are for realm {listed}, but the server offers {realm!r}"
            f" (from {source}): those users can never log in with DIGEST-MD5",
            span,
            hint=f'set realm = "{names[0]}", or recreate the entries with ec_md5passwd -r "{realm}"',
            related=related,
        )
