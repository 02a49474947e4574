"""A409 auth-legacy-extension: `extension = AUTH` / `extension_argument = X` inside Auth*Parameters.

This is how Momentum 2.x advertised a mechanism. ecconf accepts it as a synonym of listing "AUTH X" in
SMTP_Extensions (for every Listen and Peer of the listener, as the server does), so nothing is wrong; the
modern form is easier to read and to check. `extension` with a value other than AUTH, or without an
`extension_argument`, advertises nothing.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" )
        AuthDigestMD5Parameters = [
          uri = "digest:passwords/digest.txt"
          realm = "mail.example.com"
          extension = AUTH
          extension_argument = DIGEST-MD5
        ]
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

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..models import MECHANISM_FIELD
from .auth_offers import PARAMETER_NAMES

CODE = "A409"
SUMMARY = "Momentum 2.x extension/extension_argument used to advertise AUTH"
DEFAULT_SEVERITY = Severity.INFO


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for auth in ctx.facts.auth_dicts:
        params = auth.params
        extension, argument = params.extension, params.extension_argument
        if extension is None and argument is None:
            continue
        if getattr(auth.owner, MECHANISM_FIELD[auth.mechanism]) is not params:
            continue  # shadowed by a later assignment in the same scope: it has no effect at all
        span = params.span_of("extension") or params.span_of("extension_argument")
        assert span is not None
        name = PARAMETER_NAMES[auth.mechanism]
        if (extension or "").strip().upper() != "AUTH":
            shown = "no extension" if extension is None else f"extension = {extension}"
            yield Diagnostic(
                CODE,
                f"{name} has {shown}: only extension = AUTH advertises a mechanism, so this advertises nothing",
                span,
                hint=f'write "AUTH {argument or auth.mechanism}" in SMTP_Extensions instead',
            )
            continue
        if not argument or not argument.split():
            yield Diagnostic(
                CODE,
                f"{name} has extension = AUTH but no extension_argument, so it advertises nothing",
                span,
                hint=f'write "AUTH {auth.mechanism}" in SMTP_Extensions instead',
            )
            continue
        items = " ".join(f'"AUTH {word.upper()}"' for word in argument.split())
        yield Diagnostic(
            CODE,
            f"extension = AUTH / extension_argument = {argument} is the Momentum 2.x way to advertise; ecconf"
            f" treats it as listing {items} in SMTP_Extensions for every Listen",
            span,
            hint=f"list {items} in SMTP_Extensions and remove extension and extension_argument",
        )
