"""E201 unknown-name: an option or scope name that Momentum does not document for that scope.

ecconf knows the global scope, ESMTP_Listener, Listen and Peer well enough to call a name it does not know
there a mistake — most often a typo, which Momentum would refuse at start-up (`'X' is not a valid option name
or stanza in scope 'Y'`). The hint offers the closest documented name.

Every module stanza the documentation configures (`outbound_smtp_auth { }`, `scriptlet "x" { }`,
`as_logger { }`) is a known scope of the global level. Another unknown scope there is most likely a module
ecconf has not heard of: it is left alone unless it is a small misspelling of a known name (`ESMTP_Listner`,
`ec_loger`: one edit, or two in a name of ten letters or more), not merely a similar one. What is inside
a module or any other scope ecconf does not interpret is never reported. A documented name in the wrong
scope is E202, a name with odd characters E205.

Finding the closest name costs about a millisecond, so one check run looks for at most MAX_SUGGESTIONS
distinct names: thousands of made-up names would otherwise take seconds. Past that, an unknown name gets no
"did you mean", and an unknown scope at the global level is taken for a module's.

Bad:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extentions = ( "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:///etc/ecelerity/passwords" ]
      }
    }

Good:
    ESMTP_Listener {
      Listen ":587" {
        SMTP_Extensions = ( "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:///etc/ecelerity/passwords" ]
      }
    }
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..build import GLOBAL_CIDR_LISTS, GLOBAL_SCALARS, LISTENER_SCALARS
from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..models import AUTH_FIELDS
from ..nodes import Include, Option, Scope, Statement
from ..option_table import CHECKED_SCOPES, OptionTable

CODE = "E201"
SUMMARY = "an option or scope name Momentum does not document for that scope"
DEFAULT_SEVERITY = Severity.ERROR

WRONG_SCOPE = "E202"

# The scopes the build interprets, by (parent kind, lower-case name): the same nesting as build.py.
CHILD_KIND = {
    ("global", "esmtp_listener"): "esmtp_listener",
    ("esmtp_listener", "listen"): "listen",
    ("esmtp_listener", "peer"): "peer",
    ("listen", "peer"): "peer",
}
LISTENER_KINDS = frozenset({"esmtp_listener", "listen", "peer"})
# Names the engine itself interprets are valid where the engine reads them, whatever the summary table says
# (it leaves Spool_Base out, and lists some Auth*Parameters without Peer although SPEC §3 resolves them there).
ENGINE_NAMES = {
    "global": frozenset({*GLOBAL_SCALARS, *GLOBAL_CIDR_LISTS, "relay_hosts"}),
    **dict.fromkeys(LISTENER_KINDS, frozenset({*LISTENER_SCALARS, *AUTH_FIELDS, "smtp_extensions", "relay_hosts"})),
}
DISPLAY = {"global": "the global scope", "esmtp_listener": "ESMTP_Listener", "listen": "Listen", "peer": "Peer"}
VALID_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
MAX_SUGGESTIONS = 200


def display(kind: str) -> str:
    return DISPLAY.get(kind, kind)


def _valid_in(table: OptionTable, name: str, kind: str, *, scope: bool) -> bool:
    info = table.scope(name) if scope else table.option(name)
    if info is not None and kind in info.scopes:
        return True
    return not scope and name.lower() in ENGINE_NAMES.get(kind, frozenset())


def _places(scopes: frozenset[str]) -> str:
    # The scopes ecconf checks first, in nesting order; then the others alphabetically.
    ordered = [s for s in DISPLAY if s in scopes] + sorted(scopes - DISPLAY.keys())
    return ", ".join(display(s) for s in ordered)


def _misplaced(statement: Option | Scope, kind: str, scopes: frozenset[str], what: str) -> Diagnostic:
    checked = [s for s in DISPLAY if s in scopes]
    if checked and checked[0] == "global":
        hint = "move it to the top level of the file, outside every scope"
    elif checked:
        hint = f"move it into {display(checked[0])}"
    else:
        hint = "move it to one of those scopes, or remove it"
    return Diagnostic(
        WRONG_SCOPE,
        f"{what} {statement.name!r} is not valid in {display(kind)}; it is valid in: {_places(scopes)}",
        statement.name_span,
        hint=hint,
    )


@dataclass
class _Walk:
    """One check run's walk: the table, the answers given so far, and the findings."""

    table: OptionTable
    out: list[Diagnostic] = field(default_factory=list)
    # (kind, scope?) -> name -> valid there. Thousands of statements ask a few dozen distinct questions.
    fine: dict[tuple[str, bool], dict[str, bool]] = field(default_factory=dict)
    suggested: dict[tuple[str, str, bool | str], str | None] = field(default_factory=dict)

    def suggest(self, name: str, kind: str, is_scope: bool) -> str | None:
        key = (name.lower(), kind, is_scope)
        if key not in self.suggested:
            if len(self.suggested) >= MAX_SUGGESTIONS:
                return None
            self.suggested[key] = self.table.suggest(name, kind, scopes=is_scope)
        return self.suggested[key]

    def typo(self, name: str, kind: str) -> str | None:
        """A known scope this unknown global scope misspells, if it is one; looked up under the same bound."""
        key = (name.lower(), kind, "typo")
        if key not in self.suggested:
            if len(self.suggested) >= MAX_SUGGESTIONS:
                return None
            self.suggested[key] = self.table.typo_of(name, kind, scopes=True)
        return self.suggested[key]


def _unknown(walk: _Walk, statement: Option | Scope, kind: str) -> Diagnostic | None:
    table = walk.table
    is_scope = isinstance(statement, Scope)
    what = "scope" if is_scope else "option"
    other = table.option(statement.name) if is_scope else table.scope(statement.name)
    if other is None or kind not in other.scopes:
        other = None
    if kind == "global" and is_scope and other is None:
        # Very likely a module's configuration (ecconf knows the documented ones, not every module there is):
        # a typo only when it is a small misspelling of a known name, not merely alike (`as_logger`).
        suggestion = walk.typo(statement.name, kind)
        if suggestion is None:
            return None
    else:
        suggestion = walk.suggest(statement.name, kind, is_scope)
    if other is not None:
        if is_scope:
            hint = f"{statement.name} is an option: write {statement.name} = value (or = [ ... ] for a dictionary)"
        else:
            hint = f'{statement.name} is a scope: write {statement.name} "instance" {{ ... }}'
        article = "a scope" if is_scope else "an option"
        message = f"{statement.name!r} is not {article} in {display(kind)}"
        return Diagnostic(CODE, message, statement.name_span, hint=hint)
    if suggestion is not None and suggestion.lower() != statement.name.lower():
        hint = f"did you mean {suggestion!r}?"
    else:
        hint = f"check the spelling; Momentum documents no {what} of that name for {display(kind)}"
    message = f"{statement.name!r} is not a valid {what} name in {display(kind)}"
    return Diagnostic(CODE, message, statement.name_span, hint=hint)


def findings(ctx: CheckContext) -> list[Diagnostic]:
    """E201 and E202 findings together (found once per check run): both come from asking where a name is valid."""
    return ctx.shared("name_findings", _findings)


def _findings(ctx: CheckContext) -> list[Diagnostic]:
    walk = _Walk(ctx.table)
    if ctx.loaded.root is not None:
        _visit(walk, ctx.loaded.root.body, "global")
    return walk.out


def _visit(walk: _Walk, body: list[Statement], kind: str) -> None:
    """The statements that sit directly in a scope of this kind (includes expanded), then its checked children."""
    table, out = walk.table, walk.out
    options = walk.fine.setdefault((kind, False), {})
    scopes = walk.fine.setdefault((kind, True), {})
    for statement in body:
        if isinstance(statement, Include):
            for included in statement.files:
                _visit(walk, included.body, kind)
            continue
        is_scope = isinstance(statement, Scope)
        known = scopes if is_scope else options
        name = statement.name
        ok = known.get(name)
        if ok is None:
            # Odd characters are E205's to report.
            ok = known[name] = (
                kind not in CHECKED_SCOPES or not VALID_NAME.match(name) or _valid_in(table, name, kind, scope=is_scope)
            )
        if not ok:
            found = _finding(walk, statement, kind, is_scope)
            if found is not None:
                out.append(found)
        if isinstance(statement, Scope):
            child = CHILD_KIND.get((kind, name.lower()))
            if child is not None:
                _visit(walk, statement.body, child)


def _finding(walk: _Walk, statement: Option | Scope, kind: str, is_scope: bool) -> Diagnostic | None:
    info = walk.table.scope(statement.name) if is_scope else walk.table.option(statement.name)
    if info is not None and info.scopes:
        return _misplaced(statement, kind, info.scopes, "scope" if is_scope else "option")
    return _unknown(walk, statement, kind)


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    yield from (d for d in findings(ctx) if d.code == CODE)
