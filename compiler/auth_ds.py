"""The config's auth_ds side as lint and to_runtime read it: `Datasource "name"` scopes and the
`auth_ds { Scheme "name" { Authenticate / QueryGroups / EnumGroups { ... } } }` stanzas, by name.

Rule of this room: reading only, from the models (generic scopes kept as written, so the JSON form keeps
them as the config wrote them); no judgement (the rules judge) and no runtime objects (to_runtime builds
those). Which stanzas a Scheme has and which keys each takes is data (data/auth_ds_stanzas.tsv), read here
only; `scheme_stanzas()` gives each stanza as a typed view with its kind and its positions. The first scope
of a name wins, as the runtime would see it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .models import Config, GenericScope, JsonValue
from .span import Span

DATA_FILE = "auth_ds_stanzas.tsv"


@dataclass(frozen=True, slots=True)
class StanzaKind:
    name: str  # as documented: Authenticate, QueryGroups, EnumGroups
    keys: tuple[str, ...]  # lower case, in table order
    served: bool  # whether `ecconf serve` acts on it


@lru_cache(maxsize=1)
def stanza_kinds() -> dict[str, StanzaKind]:
    """Lower-case stanza name -> its kind, from the table."""
    text = resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    rows = list(csv.DictReader((line for line in io.StringIO(text) if not line.startswith("#")), delimiter="\t"))
    kinds: dict[str, StanzaKind] = {}
    for row in rows:
        name = row["stanza"]
        keys = tuple(r["key"].lower() for r in rows if r["stanza"] == name)
        kinds.setdefault(name.lower(), StanzaKind(name, keys, row["serve"] == "yes"))
    return kinds


@dataclass(frozen=True, slots=True)
class SchemeStanza:
    """One stanza inside a Scheme, typed by its kind (None: a name the table does not know), with positions."""

    scheme: str
    kind: StanzaKind | None
    scope: GenericScope

    @property
    def name(self) -> str:
        return self.scope.name

    @property
    def options(self) -> dict[str, JsonValue]:
        return self.scope.options

    @property
    def span(self) -> Span | None:
        return self.scope.span

    def span_of(self, key: str) -> Span | None:
        return self.scope.span_of(key)


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


def scheme_stanzas(config: Config) -> list[SchemeStanza]:
    """Every stanza of every Scheme (the first Scheme of a name), in the order written."""
    kinds = stanza_kinds()
    return [
        SchemeStanza(name, kinds.get(stanza.name.lower()), stanza)
        for name, scheme in scheme_scopes(config).items()
        for stanza in scheme.scopes
    ]


def authenticate_stanza(scheme: GenericScope) -> GenericScope | None:
    return next((s for s in scheme.scopes if s.name.lower() == "authenticate"), None)


def auth_ds_scopes(config: Config) -> tuple[dict[str, GenericScope], dict[str, GenericScope]]:
    """(Datasource scopes, Authenticate stanzas by their Scheme's name)."""
    stanzas = {name: authenticate_stanza(scheme) for name, scheme in scheme_scopes(config).items()}
    return datasource_scopes(config), {name: s for name, s in stanzas.items() if s is not None}


def served_schemes(config: Config) -> frozenset[str]:
    """The Schemes `ecconf serve` opens as `name://` stores: those with an Authenticate stanza."""
    return frozenset(auth_ds_scopes(config)[1])
