"""The transition table: legality and refusals come from data, and every state is covered."""

from __future__ import annotations

import pytest

from ecconf.runtime import replies
from ecconf.runtime.state import (
    AT_REST_STATES,
    END_AUTH,
    END_DATA,
    GREETED,
    KNOWN_VERBS,
    STORED,
    TLS_UP,
    TRANSITIONS,
    WAITING_STATES,
    State,
    refusal,
    transition,
)


def test_every_state_has_a_row():
    assert set(TRANSITIONS) == set(State)


def test_transaction_path():
    path = [("EHLO", State.READY), ("MAIL", State.MAIL), ("RCPT", State.RCPT), ("RCPT", State.RCPT)]
    path += [("DATA", State.DATA), (END_DATA, State.SPOOLING), (STORED, State.READY)]
    state = State.CONNECTED
    for event, expected in path:
        state = transition(state, event)
        assert state is expected


def test_a_held_banner_is_sent_once_then_commands_start():
    assert transition(State.GREETING, GREETED) is State.CONNECTED
    assert transition(State.CONNECTED, GREETED) is None
    assert State.GREETING in AT_REST_STATES and State.MAIL not in AT_REST_STATES


def test_auth_and_starttls_paths():
    assert transition(State.READY, "AUTH") is State.AUTHENTICATING
    assert transition(State.AUTHENTICATING, END_AUTH) is State.READY
    assert transition(State.READY, "STARTTLS") is State.TLS_HANDSHAKE
    assert transition(State.TLS_HANDSHAKE, TLS_UP) is State.CONNECTED


@pytest.mark.parametrize("state", [State.CONNECTED, State.READY, State.MAIL, State.RCPT])
def test_session_verbs_are_legal_in_every_command_state(state):
    for verb in ("NOOP", "HELP", "VRFY", "EHLO", "HELO", "RSET"):
        assert transition(state, verb) is not None
    assert transition(state, "QUIT") is State.CLOSED
    assert transition(state, "EHLO") is State.READY


def test_rset_before_greeting_stays_ungreeted():
    assert transition(State.CONNECTED, "RSET") is State.CONNECTED
    assert transition(State.RCPT, "RSET") is State.READY


@pytest.mark.parametrize(
    "state, verb, reply",
    [
        (State.CONNECTED, "MAIL", replies.HELLO_FIRST),
        (State.READY, "RCPT", replies.NEED_MAIL),
        (State.MAIL, "DATA", replies.NEED_RCPT),
        (State.RCPT, "MAIL", replies.NESTED_MAIL),
        (State.MAIL, "AUTH", replies.AUTH_IN_TRANSACTION),
        (State.RCPT, "STARTTLS", replies.BAD_SEQUENCE),
        (State.READY, "EXPN", replies.NOT_IMPLEMENTED),
    ],
)
def test_refusals(state, verb, reply):
    assert transition(state, verb) is None
    assert refusal(state, verb) is reply


def test_internal_events_are_not_verbs():
    assert KNOWN_VERBS == {"EHLO", "HELO", "NOOP", "HELP", "VRFY", "RSET", "QUIT", "AUTH", "MAIL", "RCPT", "DATA",
                           "STARTTLS", "EXPN", "TURN", "ETRN", "BDAT", "SEND", "SOML", "SAML"}  # fmt: skip


def test_waiting_states_take_no_commands():
    for state in WAITING_STATES | {State.GREETING, State.AUTHENTICATING, State.DATA}:
        assert not any(transition(state, verb) for verb in KNOWN_VERBS)


def test_every_verb_the_table_allows_has_a_protocol_handler():
    from ecconf.runtime.protocol import _HANDLERS
    from ecconf.runtime.state import INTERNAL_EVENTS, TRANSITIONS

    allowed = {verb for moves in TRANSITIONS.values() for verb in moves} - INTERNAL_EVENTS
    assert allowed == set(_HANDLERS)
