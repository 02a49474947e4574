"""What `ecconf serve` does with each statement of a config: applies it, or leaves it to Momentum.

Rule of this room: derived, never listed twice. The names serve applies are the ones the build turns into
typed models and to_runtime copies into the runtime (rules/unknown_name.ENGINE_NAMES, the scopes the build
interprets, ec_logger's acctlog); everything else a config holds is kept in the JSON for Momentum and
ignored by serve. Of those, the options in data/serve_guarded.tsv decide who may connect, relay or
authenticate, or how TLS peers are verified: serve must never ignore them silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from .build import ECCONF_NETWORK_LISTS
from .includes import Loaded
from .nodes import Include, Option, Scope, Statement
from .rules.unknown_name import CHILD_KIND, ENGINE_NAMES, LISTENER_KINDS
from .span import Span

# Module scopes serve reads part of: the statements it applies inside them.
_MODULE_OPTIONS = {"ec_logger": frozenset({"acctlog"})}


@dataclass(slots=True)  # never changed once made (not frozen: a big config has thousands, frozen costs 3x)
class Unserved:
    """One statement serve does not apply: an option, or a whole scope it does not interpret."""

    name: str  # as written
    span: Span  # of the name
    scope: bool
    guarded: str | None  # what it decides, for a guarded option; None otherwise


@lru_cache(maxsize=1)
def guarded() -> dict[str, str]:
    """Guarded option name (lower case) -> what it decides."""
    text = resources.files("ecconf.compiler").joinpath("data", "serve_guarded.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {name: decides for name, decides in rows[1:]}


@cache
def _applied(kind: str) -> frozenset[str]:
    names = ENGINE_NAMES.get(kind, frozenset())
    if kind in LISTENER_KINDS:
        names = names | frozenset(ECCONF_NETWORK_LISTS)
    return names | _MODULE_OPTIONS.get(kind, frozenset())


def unserved(loaded: Loaded) -> list[Unserved]:
    """Every statement of the config (includes expanded) that serve does not apply, in file order."""
    if loaded.root is None:
        return []
    out: list[Unserved] = []
    _walk(loaded.root.body, "global", out, guarded())
    return out


def _walk(body: list[Statement], kind: str, out: list[Unserved], table: dict[str, str]) -> None:
    # Every statement of a big config passes here once: a list filled in place, not generators nested as
    # deep as the scopes.
    applied = _applied(kind)
    for statement in body:
        if type(statement) is Option:
            name = statement.name.lower()
            if name not in applied:
                out.append(Unserved(statement.name, statement.name_span, False, table.get(name)))
        elif type(statement) is Scope:
            name = statement.name.lower()
            child = CHILD_KIND.get((kind, name)) or (name if kind == "global" and name in _MODULE_OPTIONS else None)
            if child is not None:
                _walk(statement.body, child, out, table)
            else:
                out.append(Unserved(statement.name, statement.name_span, True, table.get(name)))
        elif isinstance(statement, Include):
            for included in statement.files:
                _walk(included.body, kind, out, table)
