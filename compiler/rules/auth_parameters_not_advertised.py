"""A402 auth-parameters-not-advertised: Auth<Mech>Parameters is set but no client it applies to is offered it.

A mechanism is offered only when SMTP_Extensions lists it ("AUTH X", or the Momentum 2.x `extension = AUTH`
/ `extension_argument = X` inside any Auth*Parameters dict) for a client whose Auth<Mech>Parameters resolve
to this dictionary. When no such client exists the dictionary is dead configuration: either the "AUTH X"
item is missing, or every Listen and Peer below it sets its own parameters, or there is no Listen at all.

Bad:
    ESMTP_Listener {
      AuthLoginParameters = [ uri = "file:passwords/clear.txt" ]
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }

Good:
    ESMTP_Listener {
      AuthLoginParameters = [ uri = "file:passwords/clear.txt" ]
      Listen ":587" {
        SMTP_Extensions = ( "STARTTLS" "AUTH PLAIN LOGIN" )
        AuthPlainParameters = [ uri = "file:passwords/clear.txt" ]
      }
    }
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import CheckContext
from ..diagnostics import Diagnostic, Severity
from ..models import MECHANISM_FIELD
from .auth_offers import PARAMETER_NAMES, Advert, offers

CODE = "A402"
SUMMARY = "Auth<Mech>Parameters set but the mechanism is advertised to none of its clients"
DEFAULT_SEVERITY = Severity.WARNING


def check(ctx: CheckContext) -> Iterator[Diagnostic]:
    shared = offers(ctx)
    # One pass over (class, mechanism): which dictionaries serve some client, and which are offered to one.
    served: set[int] = set()
    offered: set[int] = set()
    fields = {(auth.mechanism, MECHANISM_FIELD[auth.mechanism]) for auth in ctx.facts.auth_dicts}
    # The mechanisms of each advertised list (classes of one scope share the list), kept alive beside them.
    named: dict[int, tuple[list[Advert], set[str]]] = {}
    for client in shared.served:
        found = named.get(id(client.advertised))
        if found is None:
            found = named[id(client.advertised)] = (client.advertised, {a.mechanism for a in client.advertised})
        advertised = found[1]
        for mechanism, field in fields:
            value = client.fields[field].value
            if value is None:
                continue
            served.add(id(value))
            if mechanism in advertised:
                offered.add(id(value))
    for auth in ctx.facts.auth_dicts:
        if id(auth.params) in offered:
            continue
        mechanism = auth.mechanism
        name = PARAMETER_NAMES[mechanism]
        if id(auth.params) in served:
            why = f'no client it applies to has "AUTH {mechanism}" in SMTP_Extensions'
            hint = f'add "AUTH {mechanism}" to SMTP_Extensions, or remove {name}'
        elif not shared.served:
            why = "there is no enabled Listen for it to serve"
            hint = f"add a Listen, or remove {name}"
        else:
            why = "every client it could serve gets another " + name + " (or this one is shadowed)"
            hint = f"remove this {name}, or the ones that override it"
        yield Diagnostic(CODE, f"{name} is never used: {why}", auth.option.name_span, hint=hint)
