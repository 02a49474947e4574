"""A419 auth-ds-unused-map: a `map` entry of an Authenticate stanza that its query never reads.

The map binds the query's placeholders (`:name` in SQL, `$name` in an LDAP URL) to expansions such as
`%{username}`. An entry no placeholder reads is usually a placeholder misspelt in the query (`:usr` for
`:user`, which is then A417) or a leftover; either way the value it names is not used.

Bad:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT 1 FROM users WHERE name = :u" cache = "authdb"
                       map = [ u = "%{username}" p = "%{password}" ] }
      }
    }

Good:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT 1 FROM users WHERE name = :u AND pw = :p" cache = "authdb"
                       map = [ u = "%{username}" p = "%{password}" ] }
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..auth_ds import auth_ds_scopes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import authenticate_problem, query_problem, unused_map_entries

CODE = "A419"
SUMMARY = "auth_ds map entry the query never reads"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    datasources, stanzas = auth_ds_scopes(ctx.config)
    for name, stanza in stanzas.items():
        cache = datasources.get(str(stanza.options.get("cache")))
        where = stanza.span_of("map") or stanza.span
        if cache is None or where is None or authenticate_problem(stanza.options) is not None:
            continue  # A417's
        raw = cache.options.get("uri")
        uris = [raw] if isinstance(raw, str) else [str(u) for u in raw] if isinstance(raw, list) else []
        if query_problem(stanza.options, uris) is not None:
            continue
        unused = unused_map_entries(stanza.options, uris)
        if unused:
            yield Diagnostic(
                CODE,
                f"Scheme {name!r}: map entr{'y' if len(unused) == 1 else 'ies'} {', '.join(unused)} not read by"
                " the query",
                where,
                hint="use it as a placeholder in the query (:name in SQL, $name in an LDAP URL), or remove it",
            )
