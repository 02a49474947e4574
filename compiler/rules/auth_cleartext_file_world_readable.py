"""A412 auth-cleartext-file-world-readable: a clear-text password file that every local user can read.

A `file:` store holds passwords in clear text; if its mode lets everyone read it (o+r), any account on the
machine can collect every password. Make it readable by the server's user or group only (chmod 0600 or
0640), or, for DIGEST-MD5, store hashes in a `digest:` file instead (the Good example). Skipped when files
are not checked.

Requires files. The examples name password files in samples/auth/passwords/, relative to a config in
samples/auth/.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/world-readable.txt" ]
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

import stat
from collections.abc import Iterator
from pathlib import Path

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..runtime_facts import UriError, read_password_file, uri_scheme
from ..span import Span
from .auth_offers import password_file

CODE = "A412"
SUMMARY = "clear-text password file readable by everyone"
DEFAULT_SEVERITY = Severity.WARNING
# Its findings depend on the files of the machine linting (see checker: E002 leaves its suppressions alone).
READS_FILES = True


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if not ctx.check_files:
        return
    # One finding per file, at its first mention; the other mentions come along as related places.
    mentions: dict[Path, list[Span]] = {}
    for auth in ctx.facts.auth_dicts:
        uri, span = auth.params.uri, auth.params.span_of("uri")
        if uri is None or span is None or uri_scheme(uri) != "file":
            continue
        path = password_file(ctx, uri, span)
        if isinstance(path, UriError):
            continue
        if span not in mentions.setdefault(path, []):
            mentions[path].append(span)
    for path, spans in mentions.items():
        summary, _why = read_password_file(path, "file")
        if summary is None or not summary.mode & stat.S_IROTH:
            continue
        yield Diagnostic(
            CODE,
            f"the clear-text password file {path} is readable by every local user (mode {summary.mode:04o})",
            spans[0],
            hint=f"chmod o-r {path} (e.g. 0600, or 0640 with the server's group)",
            related=tuple(Related(span, "the same file is named here too") for span in spans[1:]),
        )
