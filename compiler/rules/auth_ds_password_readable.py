"""A420 auth-ds-password-readable: a datasource password written in a config file every local user can read.

A `Datasource` uri may carry the database's password (`pgsql:...;password=...`, an LDAP URL's `x-bindpw=`,
`user:password@host`). Written in a config file whose mode lets others read it (o+r), any account on the
machine can take it and query the user table directly. Make the file readable by the server's user or group
only (chmod 0600, or 0640 with the server's group), move the Datasource into an include of that mode, or
leave the password out of the URI (PostgreSQL: the server user's ~/.pgpass; the Good example). A password is
what `ecconf json` redacts in a URI, so the two agree. Skipped when files are not checked.

Requires files. The Bad example is a config file of mode 0644.

Bad:
    Datasource "authdb" { uri = ( "pgsql:host=db.example.com;dbname=mail;user=ecauth;password=s3cret" ) }

Good:
    Datasource "authdb" { uri = ( "pgsql:host=db.example.com;dbname=mail;user=ecauth" ) }
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

from ..auth_ds import datasource_scopes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..redact import redact_uris
from ..span import Span

CODE = "A420"
SUMMARY = "datasource password in a config file every local user can read"
DEFAULT_SEVERITY = Severity.WARNING
READS_FILES = True  # its findings depend on the modes of the files of the machine linting


def _uris(value: object) -> list[str]:
    return [value] if isinstance(value, str) else [str(u) for u in value] if isinstance(value, list) else []


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    if not ctx.check_files:
        return
    # One finding per file, at its first password; the other places in that file come along as related.
    places: dict[str, list[tuple[str, Span]]] = {}
    for name, scope in datasource_scopes(ctx.config).items():
        span = scope.span_of("uri")
        if span is None or not any(redact_uris(uri) != uri for uri in _uris(scope.options.get("uri"))):
            continue
        places.setdefault(span.path, []).append((name, span))
    for path, found in places.items():
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            continue  # E101's, if it matters
        if not mode & stat.S_IROTH:
            continue
        (name, first), rest = found[0], found[1:]
        yield Diagnostic(
            CODE,
            f"Datasource {name!r}: its uri holds a password, and {path} is readable by every local user"
            f" (mode {mode:04o})",
            first,
            hint=f"chmod o-r {path} (0600, or 0640 with the server's group), or keep the password out of the"
            " file (PostgreSQL: the server user's ~/.pgpass)",
            related=tuple(Related(span, f"Datasource {other!r} has its password here too") for other, span in rest),
        )
