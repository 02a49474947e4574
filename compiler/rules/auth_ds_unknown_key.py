"""A421 auth-ds-unknown-key: a stanza or key inside an auth_ds `Scheme` that auth_ds does not have.

A Scheme holds `Authenticate` (what `ecconf serve` checks logins with), `QueryGroups` and `EnumGroups` (the
web console's roles: read and kept, not served), each with its own keys (`query`, `cache`, `map`,
`returns_password`, `group_column`...). A misspelt key is silently ignored by the runtime, so a
`returns_pasword = true` leaves the query a truth-value query and every login fails. The stanzas and
their keys are the table in compiler/data/auth_ds_stanzas.tsv.

Bad:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT password FROM users WHERE name = :u" cache = "authdb"
                       map = [ u = "%{username}" ] returns_pasword = "true" }
      }
    }

Good:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT password FROM users WHERE name = :u" cache = "authdb"
                       map = [ u = "%{username}" ] returns_password = "true" }
        QueryGroups { query = "SELECT role FROM roles WHERE name = :u" cache = "authdb"
                      map = [ u = "%{username}" ] group_column = "role" }
      }
    }
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..auth_ds import scheme_stanzas, stanza_kinds
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity

CODE = "A421"
SUMMARY = "stanza or key inside an auth_ds Scheme that auth_ds does not have"
DEFAULT_SEVERITY = Severity.WARNING


def _close(word: str, known: list[str]) -> str | None:
    found = difflib.get_close_matches(word.lower(), [k.lower() for k in known], n=1, cutoff=0.6)
    return next((k for k in known if found and k.lower() == found[0]), None)


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    names = [kind.name for kind in stanza_kinds().values()]
    for stanza in scheme_stanzas(ctx.config):
        if stanza.span is None:
            continue
        if stanza.kind is None:
            close = _close(stanza.name, names)
            yield Diagnostic(
                CODE,
                f"Scheme {stanza.scheme!r}: {stanza.name} is no auth_ds stanza",
                stanza.span,
                hint=f"did you mean {close}?" if close else "known: " + ", ".join(names),
            )
            continue
        for key in stanza.options:
            if key.lower() in stanza.kind.keys:
                continue
            close = _close(key, list(stanza.kind.keys))
            yield Diagnostic(
                CODE,
                f"Scheme {stanza.scheme!r}: {stanza.kind.name} has no key {key!r}, so it is ignored",
                stanza.span_of(key) or stanza.span,
                hint=f"did you mean {close}?" if close else f"{stanza.kind.name} keys: {', '.join(stanza.kind.keys)}",
            )
