"""A416 auth-ds-unknown-scheme: a `uri = "name://"` that names no auth_ds Scheme of the config.

In a config with `auth_ds { Scheme "..." { Authenticate { ... } } }` stanzas, a `name://` uri is one of
those Schemes. One that names none of them (a typo, a Scheme without its Authenticate stanza) is a store
nobody can open, so that mechanism is not offered and every login through it fails.

Bad:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT 1 FROM users WHERE name = :u AND pw = :p" cache = "authdb"
                       map = [ u = "%{username}" p = "%{password}" ] }
      }
    }
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "mailauht://" ]
      Listen ":587" { SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) }
    }

Good:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT 1 FROM users WHERE name = :u AND pw = :p" cache = "authdb"
                       map = [ u = "%{username}" p = "%{password}" ] }
      }
    }
    ESMTP_Listener {
      AuthPlainParameters = [ uri = "mailauth://" ]
      Listen ":587" { SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" ) }
    }
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..auth_ds import served_schemes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import FILE_SCHEMES, auth_ds_scheme, scheme_name, uri_scheme

CODE = "A416"
SUMMARY = "uri names no auth_ds Scheme of the config"
DEFAULT_SEVERITY = Severity.ERROR


def names_a_scheme(uri: str) -> bool:
    """Whether `uri` has the `name://` form an auth_ds Scheme is named by (and is no password file)."""
    return scheme_name(uri) is not None and uri_scheme(uri) not in FILE_SCHEMES


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    schemes = served_schemes(ctx.config)
    if not schemes:
        return  # no auth_ds here: a name:// is some other back-end (A408)
    for auth in ctx.facts.auth_dicts:
        uri, span = auth.params.uri, auth.params.span_of("uri")
        if uri is None or span is None or not names_a_scheme(uri) or auth_ds_scheme(uri, schemes):
            continue
        name = scheme_name(uri) or ""
        close = difflib.get_close_matches(name, sorted(schemes), n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}://"?' if close else "defined: " + ", ".join(sorted(schemes))
        yield Diagnostic(
            CODE,
            f"{name}:// names no auth_ds Scheme with an Authenticate stanza, so AUTH {auth.mechanism} cannot be"
            " served there",
            span,
            hint=hint,
        )
