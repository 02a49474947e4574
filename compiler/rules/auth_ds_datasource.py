"""A418 auth-ds-datasource: a `Datasource` scope `ecconf serve` cannot open.

ecconf serves the `sqlite:` driver (the standard library's), `pgsql:` (psycopg 3, the `ecconf[pgsql]` extra)
and `ldap:` (ldap3, `ecconf[ldap]`). Momentum has more drivers (mysql, odbc, cdb, csv...), so the config may
well be right for Momentum; this says that `ecconf serve` will not open that Datasource, so the Schemes whose
`cache` names it are not served (their mechanisms are not offered). The same goes for a malformed URI, a
bad `cache_size` / `cache_life`, or a driver whose Python library is not installed (the message names the
`pip install` that brings it). Messages never quote the URI, which may hold a password.

Bad:
    Datasource "authdb" { uri = ( "mysql:host=db;dbname=mail" ) }

Good:
    Datasource "authdb" { uri = ( "sqlite:/var/db/auth.db" ) }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..auth_ds import datasource_scopes
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..runtime_facts import datasource_missing_extra, datasource_options_problem, datasource_uri_problem

CODE = "A418"
SUMMARY = "Datasource whose URI or driver ecconf cannot serve"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    for name, scope in datasource_scopes(ctx.config).items():
        where = scope.span_of("uri") or scope.span
        if where is None:
            continue
        problem = datasource_options_problem(scope.options)
        if problem is not None:
            yield Diagnostic(
                CODE, f"Datasource {name!r}: {problem}; `ecconf serve` will not serve the Schemes on it", where
            )
            continue
        raw = scope.options.get("uri")
        for uri in [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []:
            text = str(uri)
            problem = datasource_uri_problem(text) or datasource_missing_extra(text)
            if problem is not None:
                yield Diagnostic(
                    CODE,
                    f"Datasource {name!r}: {problem}; `ecconf serve` will not serve the Schemes on it",
                    where,
                )
