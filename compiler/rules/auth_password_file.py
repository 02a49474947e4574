"""A406 auth-password-file: the password file of a file:/digest: uri is missing, unreadable or malformed.

The file is read with the server's own parser, so what lint calls malformed is exactly what makes
`ecconf serve` refuse the file. A missing or unreadable file is reported at the uri; a malformed line is
reported in the password file itself, at its line and column (the message never quotes the line: it holds
a password or a hash). `file:` lines are `user:password`, or `user:{SCHEME}hash` with a scheme Dovecot and
OpenLDAP write (a scheme ecconf does not know is reported: nobody could log in with it); `digest:` lines
are `user:realm:md5hex`, as ec_md5passwd writes them; `#` starts a comment line. Skipped when files are not checked.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH DIGEST-MD5" )
        AuthDigestMD5Parameters = [ uri = "digest:passwords/broken-digest.txt" realm = "mail.example.com" ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH DIGEST-MD5" )
        AuthDigestMD5Parameters = [ uri = "digest:passwords/digest.txt" realm = "mail.example.com" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..runtime_facts import FILE_SCHEMES, UriError, read_password_file, uri_scheme
from ..span import Span
from .auth_offers import password_file

CODE = "A406"
SUMMARY = "password file missing, unreadable or malformed"
DEFAULT_SEVERITY = Severity.ERROR
# Its findings depend on the files of the machine linting (see checker: E002 leaves its suppressions alone).
READS_FILES = True

LINE_FORMS = {
    "file": "each line is user:password, or user:{SCHEME}hash ({SHA512-CRYPT}, {BLF-CRYPT}, {ARGON2ID}, {SSHA}, "
    "...; a clear-text password that starts like one is written {PLAIN}password); # starts a comment",
    "digest": "each line is user:realm:md5hex, as ec_md5passwd writes it; # starts a comment",
}


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if not ctx.check_files:
        return
    seen: set[tuple[Path, str]] = set()
    for auth in ctx.facts.auth_dicts:
        uri, span = auth.params.uri, auth.params.span_of("uri")
        scheme = uri_scheme(uri or "")
        if uri is None or span is None or scheme not in FILE_SCHEMES:
            continue
        path = password_file(ctx, uri, span)
        if isinstance(path, UriError):
            continue  # A403 explains a URI that names no file
        summary, why = read_password_file(path, scheme)
        if summary is None:
            yield Diagnostic(
                CODE,
                f"cannot read the password file {path}: {why}",
                span,
                hint="create the file, or fix the path (relative file: paths start at this config file's folder)",
            )
            continue
        if (path, scheme) in seen:
            continue  # the same file named twice: its lines are reported once
        seen.add((path, scheme))
        named_here = (Related(span, f"named as a {scheme}: password file here"),)
        for problem in summary.problems:
            if not problem.fatal:
                continue  # the server loads the file anyway
            where = Span(str(path), problem.line, problem.column, problem.line, problem.end_column)
            yield Diagnostic(CODE, problem.message, where, hint=LINE_FORMS[scheme], related=named_here, quote=False)
