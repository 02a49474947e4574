"""Command parsing takes time linear in the line: no regex may backtrack exponentially (ReDoS).

A domain like `aaaa...a!` once split 2^(n-1) ways before the parser gave up: 27 letters stalled every
session for 7.5 s, 40 pinned the CPU. These tests pin down both halves of the fix: the same addresses are
accepted as before, and no line under the length limit costs more than a small constant per byte.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecconf.runtime import replies
from ecconf.runtime.authn import Credentials
from ecconf.runtime.commands import _DOMAIN, LINE_LIMITS, parse_path
from ecconf.runtime.config import SessionPolicy
from ecconf.runtime.events import NEED_DATA
from ecconf.runtime.protocol import SmtpConnection
from ecconf.runtime.replies import ProtocolViolation

# The pattern before the fix; safe on the short strings it is given below (at most 2^11 splits).
_OLD_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+|\[[^\[\]\\\s]+\]")
_LETDIG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def reference_domain(domain: str) -> bool:
    """RFC 5321 §4.1.2 Domain (labels of Let-dig [Ldh-str]) with an optional root dot, or an address literal,
    spelt out without regexes."""
    if domain.startswith("["):
        inner = domain[1:-1]
        return domain.endswith("]") and inner != "" and not any(c in "[]\\" or c.isspace() for c in inner)
    labels = domain.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # "example.org." (the root) was always accepted
    return all(
        label and label[0] in _LETDIG and label[-1] in _LETDIG and all(c in _LETDIG or c == "-" for c in label)
        for label in labels
    )


DOMAIN_CHARS = "aZ9-.[]! \\\t\u00e9"


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=DOMAIN_CHARS, max_size=12))
def test_the_same_short_domains_are_accepted_as_before(domain: str) -> None:
    assert bool(_DOMAIN.fullmatch(domain)) == bool(_OLD_DOMAIN.fullmatch(domain)) == reference_domain(domain)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab9-", min_size=0, max_size=70), min_size=1, max_size=8), st.booleans())
def test_long_domains_agree_with_the_reference(labels: list[str], root: bool) -> None:
    domain = ".".join(labels) + ("." if root else "")
    assert bool(_DOMAIN.fullmatch(domain)) == reference_domain(domain)


def test_well_formed_addresses_still_parse() -> None:
    for address in ("a@b.example", "a@b.example.", "x@[192.0.2.1]", "x@[IPv6:2001:db8::1]", "a@x-1.b2.c"):
        assert parse_path(f"TO:<{address}>", "TO:", null_ok=False).address == address


def test_a_long_run_of_letters_is_refused_at_once() -> None:
    """In a child process, so that the pre-fix parser (which would run for ages) fails by timeout."""
    code = (
        "import time\n"
        "from ecconf.runtime.commands import parse_path\n"
        "from ecconf.runtime.replies import ProtocolViolation\n"
        "start = time.process_time()\n"
        "for n in (27, 40, 60, 500):\n"
        "    try:\n"
        "        parse_path('FROM:<x@' + 'a' * n + '!>', 'FROM:', null_ok=True)\n"
        "    except ProtocolViolation as exc:\n"
        "        assert exc.reply.code == 501, exc\n"
        "    else:\n"
        "        raise AssertionError('accepted')\n"
        "print(time.process_time() - start)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 1.0  # four refusals; each takes microseconds


def test_sixty_letters_and_a_bang_are_a_bad_sender() -> None:
    try:
        parse_path("FROM:<x@" + "a" * 60 + "!>", "FROM:", null_ok=True)
    except ProtocolViolation as exc:
        assert exc.reply is replies.BAD_SENDER
    else:
        raise AssertionError("accepted")


# ----- every command line, through the protocol: a small constant per byte ----------------------------

PREFIXES = (
    "MAIL FROM:<x@",
    "MAIL FROM:<",
    'MAIL FROM:<"',
    "MAIL FROM:<x@[",
    "MAIL FROM:<@a,@",
    "MAIL FROM:<x@a.example> AUTH=",
    "MAIL FROM:<x@a.example> SIZE=1 ",
    "RCPT TO:<x@",
    "RCPT TO:<",
    "EHLO ",
    "HELO ",
    "VRFY ",
    "NOOP ",
    "",
)
FRAGMENT_CHARS = 'aZ9-.@<>[]!:"\\ =+,\t\u00e9'
# Far above the microseconds a line really costs, far below what any backtracking blow-up costs.
BUDGET_BASE = 0.05  # seconds of CPU per line
BUDGET_PER_BYTE = 50e-6


def _connection() -> SmtpConnection:
    policy = SessionPolicy(smtp_extensions=("ENHANCEDSTATUSCODES", "PIPELINING"), open_relay=True)
    conn = SmtpConnection(policy, "mx.test", Credentials(Path(".")), clock=lambda: 0.0, random_bytes=os.urandom)
    conn.data_to_send()
    return conn


def _run(conn: SmtpConnection, line: bytes) -> None:
    conn.receive_data(line)
    while conn.next_event() is not NEED_DATA and conn.state.value != "closed":
        pass
    conn.data_to_send()


def _cost(prefix: str, body: str, suffix: str) -> float:
    """CPU seconds to answer one line; the best of three, so a stray GC pause does not count."""
    setup = b"EHLO c\r\n" + (b"MAIL FROM:<a@b.example>\r\n" if prefix.startswith("RCPT") else b"")
    line = (prefix + body + suffix).encode("utf-8") + b"\r\n"
    best = float("inf")
    for _ in range(3):
        conn = _connection()
        _run(conn, setup)
        start = time.process_time()
        _run(conn, line)
        best = min(best, time.process_time() - start)
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PREFIXES),
    st.text(alphabet=FRAGMENT_CHARS, min_size=1, max_size=6),
    st.text(alphabet='!>. ]"', max_size=3),
    st.integers(min_value=20, max_value=LINE_LIMITS["MAIL"]),
)
def test_no_command_line_costs_more_than_a_constant_per_byte(prefix, fragment, suffix, size):
    body = (fragment * (size // len(fragment) + 1))[: max(0, size - len(prefix) - len(suffix) - 2)]
    length = len((prefix + body + suffix).encode())
    assert _cost(prefix, body, suffix) < BUDGET_BASE + BUDGET_PER_BYTE * length
