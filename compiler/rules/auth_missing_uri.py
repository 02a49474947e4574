"""A403 auth-missing-uri: an Auth*Parameters dictionary has no usable `uri`.

`uri` is required: it names the credential store (`file:` clear-text passwords, `digest:` htdigest hashes,
or an external back-end scheme). Without it the mechanism cannot be served. A value that is no URI at all
(a bare path) or a file:/digest: URI naming no local file (empty path, remote host) is just as unusable.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
        AuthCramMD5Parameters = [ log_authentication = false ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH CRAM-MD5" )
        AuthCramMD5Parameters = [ uri = "file:passwords/clear.txt" log_authentication = false ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import FILE_SCHEMES, UriError, uri_file, uri_scheme
from .auth_offers import PARAMETER_NAMES, dict_entries, valid_scheme

CODE = "A403"
SUMMARY = "Auth*Parameters without a usable uri"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for auth in ctx.facts.auth_dicts:
        name = PARAMETER_NAMES[auth.mechanism]
        uri = auth.params.uri
        span = auth.params.span_of("uri")
        if uri is None or span is None:
            if any(key == "uri" for key, _k, _e in dict_entries(auth.option)):
                continue  # written, but not as a single value: the value-type check already said so
            yield Diagnostic(
                CODE,
                f"{name} has no uri, so AUTH {auth.mechanism} cannot be served",
                auth.option.name_span,
                hint=f'add uri = "file:///path/to/passwords" to {name}',
            )
            continue
        scheme = uri_scheme(uri)
        if not uri.strip():
            message = f"the uri of {name} is empty"
        elif not valid_scheme(scheme):
            message = f"{uri!r} is not a URI: it names no scheme such as file: or digest:"
        elif scheme in FILE_SCHEMES:
            try:
                uri_file(uri, Path(span.path).parent)
                continue
            except UriError as exc:
                message = f"{exc}"
        else:
            continue
        yield Diagnostic(CODE, message, span, hint='write uri = "file:///absolute/path" or "file:relative/path"')
