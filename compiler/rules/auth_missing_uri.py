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

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import FILE_SCHEMES, UriError, uri_scheme
from ..span import Span
from .auth_offers import PARAMETER_NAMES, dict_entries, password_file, valid_scheme

CODE = "A403"
SUMMARY = "Auth*Parameters without a usable uri"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Many dictionaries name the same store from the same file: each (uri, file, option) is judged once.
    judged: dict[tuple[str, str, str], str | None] = {}
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
        key = (uri, span.path, name)
        if key not in judged:
            judged[key] = _problem(ctx, name, uri, span)
        message = judged[key]
        if message is not None:
            yield Diagnostic(CODE, message, span, hint='write uri = "file:///absolute/path" or "file:relative/path"')


def _problem(ctx: CheckContext, name: str, uri: str, span: Span) -> str | None:
    """What is wrong with `uri`, written at `span`; None if it names a store."""
    scheme = uri_scheme(uri)
    if not uri.strip():
        return f"the uri of {name} is empty"
    if not valid_scheme(scheme):
        return f"{uri!r} is not a URI: it names no scheme such as file: or digest:"
    if scheme in FILE_SCHEMES:
        path = password_file(ctx, uri, span)
        if isinstance(path, UriError):
            return f"{path}"
    return None
