"""A417 auth-ds-stanza: an auth_ds `Authenticate` stanza `ecconf serve` cannot use.

Its `cache` names the Datasource the query runs on: one that names no `Datasource` scope of the config
leaves the Scheme without a database. The stanza also needs a `query`, and its values must be what auth_ds
reads (`returns_password` true or false, `type` and `type_map` values among the password schemes), and
every placeholder of its query (`:name` in SQL, `$name` in an LDAP URL) needs a `map` entry. The
runtime's own reading of the stanza decides, so lint and `ecconf serve` agree.

Bad:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
    auth_ds {
      Scheme "mailauth" {
        Authenticate { query = "SELECT 1 FROM users WHERE name = :u AND pw = :p" cache = "auth_db"
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

import difflib
from collections.abc import Iterator

from ..auth_ds import auth_ds_scopes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import authenticate_problem, query_problem

CODE = "A417"
SUMMARY = "auth_ds Authenticate stanza that cannot be used (unknown cache, bad values)"
DEFAULT_SEVERITY = Severity.ERROR


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    datasources, stanzas = auth_ds_scopes(ctx.config)
    for name, stanza in stanzas.items():
        where = stanza.span
        if where is None:
            continue
        problem = authenticate_problem(stanza.options)
        if problem is not None:
            yield Diagnostic(CODE, f"Scheme {name!r}: {problem}", where)
            continue
        cache = str(stanza.options.get("cache"))
        if cache in datasources:
            raw = datasources[cache].options.get("uri")
            uris = [raw] if isinstance(raw, str) else [str(u) for u in raw] if isinstance(raw, list) else []
            problem = query_problem(stanza.options, uris)
            if problem is not None:
                yield Diagnostic(CODE, f"Scheme {name!r}: {problem}", stanza.span_of("query") or where)
            continue
        close = difflib.get_close_matches(cache, sorted(datasources), n=1, cutoff=0.6)
        hint = (
            f'did you mean "{close[0]}"?'
            if close
            else "define it: Datasource " + f'"{cache}" {{ uri = ( "sqlite:/var/db/auth.db" ) }}'
        )
        yield Diagnostic(
            CODE,
            f"Scheme {name!r}: cache = {cache!r} names no Datasource of the config",
            stanza.span_of("cache") or where,
            hint=hint,
        )
