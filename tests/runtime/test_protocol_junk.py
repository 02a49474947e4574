"""Junk commands (NOOP, RSET, VRFY, HELP) are counted as Postfix's smtpd_junk_command_limit counts them."""

from __future__ import annotations

import pytest

from ecconf.runtime.budgets import JUNK_COMMAND_LIMIT
from ecconf.runtime.events import Close
from ecconf.runtime.state import State

JUNK_421 = "421 4.7.0 mx.test Too many NOOP, RSET, VRFY or HELP commands, closing connection\r\n"
LINES = {"NOOP": "NOOP\r\n", "RSET": "RSET\r\n", "VRFY": "VRFY alice\r\n", "HELP": "HELP\r\n"}


def _flood(s, line: str, count: int) -> list[str]:
    return [r for r in s.send(line * count, whole=True).split("\r\n") if r]


@pytest.mark.parametrize("verb", sorted(LINES))
def test_junk_beyond_the_limit_spends_the_error_budget_then_421(session, make_policy, verb):
    s = session(make_policy(max_unknown_commands=10))
    answers = _flood(s, LINES[verb], 3000)
    # 100 free, 10 more counted as errors, the next gets 421: nowhere near 3000 answers.
    assert len(answers) == JUNK_COMMAND_LIMIT + 10 + 1
    assert answers[-1] + "\r\n" == JUNK_421
    assert not any(a.startswith("421") for a in answers[:-1])
    assert s.conn.state is State.CLOSED and s.of_type(Close)


def test_the_mix_counts_together(session, make_policy):
    s = session(make_policy(max_unknown_commands=3))
    answers = _flood(s, "".join(LINES.values()), 100)
    assert len(answers) == JUNK_COMMAND_LIMIT + 3 + 1 and answers[-1] + "\r\n" == JUNK_421


def test_an_accepted_message_resets_the_count(session, make_policy):
    s = session(make_policy(open_relay=True, max_unknown_commands=10))
    s.send("EHLO c\r\n")
    for _ in range(2):  # 2 x 105 junk commands, each batch followed by a message: never cut off
        assert "421" not in s.send("NOOP\r\n" * (JUNK_COMMAND_LIMIT + 5), whole=True)
        s.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n", whole=True)
        assert s.send("x\r\n.\r\n").startswith("250 2.0.0 Message accepted")
    assert s.conn.state is not State.CLOSED
    # Without the reset 110 would have counted past the limit; with it, 5 per message (errors are per session).
    assert s.conn._budget.errors == 10


def test_a_normal_session_never_comes_near_it(session, make_policy):
    s = session(make_policy(open_relay=True))
    s.send("EHLO c\r\nNOOP\r\nRSET\r\nHELP\r\nVRFY x\r\n", whole=True)
    assert s.conn._budget.errors == 0 and s.conn.state is not State.CLOSED
