"""SMTP dialogue states and the transition table.

Rule of this room: "which verb is legal when" lives only in the tables below (h11 style). The protocol asks
`transition(state, event)` and either moves on or sends the refusal that `refusal(state, event)` names.
Events are command verbs plus a few internal ones (GREETED, END_AUTH, END_DATA, STORED, TLS_UP, OFFLOAD,
COMPUTED) that mark the end of a phase the protocol does not drive by a command.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from . import replies
from .replies import Reply


class State(enum.Enum):
    GREETING = "greeting"  # banner held back (greeting_delay); any input now is an early talker
    CONNECTED = "connected"  # greeting sent, no EHLO/HELO yet
    READY = "ready"  # greeted, no transaction
    AUTHENTICATING = "authenticating"  # inside a SASL exchange: lines are responses, not commands
    COMPUTING = "computing"  # inside a SASL exchange, waiting for work run off the loop; input held back
    MAIL = "mail"  # MAIL accepted, no recipient yet
    RCPT = "rcpt"  # at least one recipient accepted
    DATA = "data"  # reading the message
    SPOOLING = "spooling"  # message complete; waiting for the spool's verdict, input held back
    TLS_HANDSHAKE = "tls-handshake"  # 220 sent for STARTTLS; waiting for the handshake, input discarded
    CLOSED = "closed"  # QUIT or 421 sent; further input is ignored

    # Members are singletons, so identity hashing is exact; Enum's own __hash__ (hash of the name, in
    # Python) showed up as dozens of calls per session in the set and table look-ups below.
    __hash__ = object.__hash__


# Internal events, spelt so that no client command can ever be mistaken for one.
GREETED = "<greeted>"
END_AUTH = "<end-auth>"
END_DATA = "<end-data>"
STORED = "<stored>"
TLS_UP = "<tls-up>"
OFFLOAD = "<offload>"
COMPUTED = "<computed>"
INTERNAL_EVENTS = frozenset({GREETED, END_AUTH, END_DATA, STORED, TLS_UP, OFFLOAD, COMPUTED})

# States in which the protocol processes no input: it waits for the driver or has finished.
WAITING_STATES = frozenset({State.SPOOLING, State.TLS_HANDSHAKE, State.COMPUTING, State.CLOSED})
# Inside an AUTH exchange: leaving now abandons it (the accounting log hears of it).
AUTH_STATES = frozenset({State.AUTHENTICATING, State.COMPUTING})
# Between transactions: a draining server may end the session here without losing anything.
AT_REST_STATES = frozenset({State.GREETING, State.CONNECTED, State.READY})

# Verbs we know but do not offer (answered 502, not counted as unknown).
UNIMPLEMENTED = frozenset({"EXPN", "TURN", "ETRN", "BDAT", "SEND", "SOML", "SAML"})


def _anywhere(state: State) -> dict[str, State]:
    """Verbs legal in every command state."""
    return {
        "NOOP": state,
        "HELP": state,
        "VRFY": state,
        "QUIT": State.CLOSED,
        "EHLO": State.READY,
        "HELO": State.READY,
        "RSET": State.CONNECTED if state is State.CONNECTED else State.READY,
    }


_TABLE: dict[State, dict[str, State]] = {
    State.GREETING: {GREETED: State.CONNECTED},
    State.CONNECTED: _anywhere(State.CONNECTED),
    State.READY: {
        **_anywhere(State.READY),
        "AUTH": State.AUTHENTICATING,
        "MAIL": State.MAIL,
        "STARTTLS": State.TLS_HANDSHAKE,
    },
    State.AUTHENTICATING: {END_AUTH: State.READY, OFFLOAD: State.COMPUTING},
    State.COMPUTING: {COMPUTED: State.AUTHENTICATING},
    State.MAIL: {**_anywhere(State.MAIL), "RCPT": State.RCPT},
    State.RCPT: {**_anywhere(State.RCPT), "RCPT": State.RCPT, "DATA": State.DATA},
    State.DATA: {END_DATA: State.SPOOLING},
    State.SPOOLING: {STORED: State.READY},
    # After the handshake the session starts over: the client must EHLO again (RFC 3207 §4.2).
    State.TLS_HANDSHAKE: {TLS_UP: State.CONNECTED},
    State.CLOSED: {},
}
TRANSITIONS: Mapping[State, Mapping[str, State]] = MappingProxyType(
    {state: MappingProxyType(moves) for state, moves in _TABLE.items()}
)
KNOWN_VERBS = frozenset(verb for moves in _TABLE.values() for verb in moves) - INTERNAL_EVENTS | UNIMPLEMENTED

# The reply for a known verb in the wrong state; anything not listed gets BAD_SEQUENCE.
_REFUSALS: dict[tuple[State, str], Reply] = {
    **{(State.CONNECTED, verb): replies.HELLO_FIRST for verb in ("AUTH", "MAIL", "RCPT", "DATA", "STARTTLS")},
    (State.READY, "RCPT"): replies.NEED_MAIL,
    (State.READY, "DATA"): replies.NEED_RCPT,
    (State.MAIL, "DATA"): replies.NEED_RCPT,
    (State.MAIL, "MAIL"): replies.NESTED_MAIL,
    (State.RCPT, "MAIL"): replies.NESTED_MAIL,
    (State.MAIL, "AUTH"): replies.AUTH_IN_TRANSACTION,
    (State.RCPT, "AUTH"): replies.AUTH_IN_TRANSACTION,
}


def transition(state: State, event: str) -> State | None:
    """The state after `event`, or None when the event is not legal in `state`."""
    return TRANSITIONS[state].get(event)


def refusal(state: State, verb: str) -> Reply:
    """What to answer a known verb that `transition` refused."""
    if verb in UNIMPLEMENTED:
        return replies.NOT_IMPLEMENTED
    return _REFUSALS.get((state, verb), replies.BAD_SEQUENCE)
