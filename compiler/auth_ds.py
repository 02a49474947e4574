"""The config's auth_ds side as lint and to_runtime read it: `Datasource "name"` scopes and the
`auth_ds { Scheme "name" { Authenticate { ... } } }` stanzas, by name.

Rule of this room: reading only, from the models (generic scopes kept as written); no judgement (the rules
judge) and no runtime objects (to_runtime builds those). The first scope of a name wins, as the runtime
would see it.
"""

from __future__ import annotations

from .models import Config, GenericScope


def datasource_scopes(config: Config) -> dict[str, GenericScope]:
    found: dict[str, GenericScope] = {}
    for scope in config.scopes:
        if scope.name.lower() == "datasource" and scope.instance:
            found.setdefault(scope.instance, scope)
    return found


def scheme_scopes(config: Config) -> dict[str, GenericScope]:
    """Scheme name -> its `Scheme` scope (whether or not it has an Authenticate stanza)."""
    found: dict[str, GenericScope] = {}
    for scope in config.scopes:
        if scope.name.lower() != "auth_ds":
            continue
        for scheme in scope.scopes:
            if scheme.name.lower() == "scheme" and scheme.instance:
                found.setdefault(scheme.instance, scheme)
    return found


def authenticate_stanza(scheme: GenericScope) -> GenericScope | None:
    return next((s for s in scheme.scopes if s.name.lower() == "authenticate"), None)


def auth_ds_scopes(config: Config) -> tuple[dict[str, GenericScope], dict[str, GenericScope]]:
    """(Datasource scopes, Authenticate stanzas by their Scheme's name)."""
    stanzas = {name: authenticate_stanza(scheme) for name, scheme in scheme_scopes(config).items()}
    return datasource_scopes(config), {name: s for name, s in stanzas.items() if s is not None}


def served_schemes(config: Config) -> frozenset[str]:
    """The Schemes `ecconf serve` opens as `name://` stores: those with an Authenticate stanza."""
    return frozenset(auth_ds_scopes(config)[1])
