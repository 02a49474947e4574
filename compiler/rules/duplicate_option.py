"""E203 duplicate-option: the same option is set twice in one scope; the later value wins.

A later assignment silently shadows the earlier one, so one of the two lines is dead. This is usually a
leftover from editing. Scopes that merge count as one: a file and its include each adding to
ESMTP_Listener, or two `Listen ":25"` blocks, are one scope, so setting `Idle_Time` in both is a duplicate.
Checked in the scopes ecconf interprets (global, ESMTP_Listener, Listen, Peer).

Bad:
    ESMTP_Listener {
      Listen ":25" {
        Idle_Time = 300
        SMTP_Extensions = ( "AUTH PLAIN" )
        Idle_Time = 60
      }
    }

Good:
    ESMTP_Listener {
      Listen ":25" {
        Idle_Time = 60
        SMTP_Extensions = ( "AUTH PLAIN" )
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Related, Severity
from ..facts import Assignment

CODE = "E203"
SUMMARY = "the same option is set twice in one scope"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    # Assignments of one name arrive in text order (includes expanded in place) and carry the merged model they
    # landed in, so "same scope" is simply "same owner object". Generic scopes have no owner and are not checked.
    for same_name in ctx.facts.by_name.values():
        if len(same_name) > 1:
            yield from _repeated(same_name)


def _repeated(same_name: list[Assignment]) -> Iterator[Diagnostic]:
    first: dict[int, Assignment] = {}
    for assignment in same_name:
        if assignment.owner is None:
            continue
        option = assignment.option
        earlier = first.setdefault(id(assignment.owner), assignment)
        if earlier is assignment:
            continue
        yield Diagnostic(
            CODE,
            f"{option.name} is set again in this scope; this value replaces the earlier one",
            option.name_span,
            hint="remove one of the two assignments",
            related=(Related(earlier.option.span, "first set here"),),
        )
