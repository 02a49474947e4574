"""A405 auth-unknown-key: a key in an Auth*Parameters dictionary that the mechanism does not use.

Every mechanism takes `uri`, `log_authentication`, and the Momentum 2.x pair `extension` /
`extension_argument`; DIGEST-MD5 also takes `realm` and `stored_cleartext`. Any other key is ignored by the
server, which usually means a typo (`url`, `stored_clear_text`) or a DIGEST-MD5 key on another mechanism.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" log_authentification = true ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" log_authentication = true ]
      }
    }
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from .auth_offers import PARAMETER_NAMES, dict_entries

CODE = "A405"
SUMMARY = "unknown key in Auth*Parameters"
DEFAULT_SEVERITY = Severity.WARNING

COMMON_KEYS = ("uri", "log_authentication", "extension", "extension_argument")
DIGEST_ONLY = ("realm", "stored_cleartext")
KEYS: dict[str, tuple[str, ...]] = {mech: COMMON_KEYS for mech in PARAMETER_NAMES} | {
    "DIGEST-MD5": COMMON_KEYS + DIGEST_ONLY
}


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for auth in ctx.facts.auth_dicts:
        allowed = KEYS[auth.mechanism]
        name = PARAMETER_NAMES[auth.mechanism]
        for key, key_span, _entry in dict_entries(auth.option):
            if key in allowed:
                continue
            if key in DIGEST_ONLY:
                yield Diagnostic(
                    CODE,
                    f"{key} only applies to DIGEST-MD5; {name} ignores it",
                    key_span,
                    hint=f"remove {key}, or move it to AuthDigestMD5Parameters",
                )
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"{name} takes: {', '.join(allowed)}"
            yield Diagnostic(CODE, f"{name} has no key {key!r}; the server ignores it", key_span, hint=hint)
