"""One session's AUTH dialogue (RFC 4954): the AUTH command's argument, the running exchange, the failure budget.

Rule of this room: what AUTH remembers across exchanges — how many have failed and how long the driver should
wait before answering the next failure — and what one AUTH command may start. No SMTP states and no output:
the protocol moves its state machine and sends the replies and events returned from here. Waiting is never
done here either; the wait is a number in the `AuthAttempted` event, and the driver does the waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from . import replies
from .authflow import Exchange, MechanismFactory, Outcome, Result, decode_response, is_cancel
from .config import SessionPolicy
from .events import AuthAttempted, AuthStatus, AuthVerdict
from .replies import ProtocolViolation, Reply
from .sasl.base import MechanismContext

log = logging.getLogger(__name__)


class AuthDialogue:
    __slots__ = ("_clock", "_mechanisms", "_random", "exchange", "failures", "hostname", "policy")

    def __init__(
        self,
        policy: SessionPolicy,
        hostname: str,
        mechanisms: MechanismFactory,
        random_bytes: Callable[[int], bytes],
        clock: Callable[[], float],
    ) -> None:
        self.policy = policy
        self.hostname = hostname
        self._mechanisms = mechanisms
        self._random = random_bytes
        self._clock = clock
        self.exchange: Exchange | None = None  # set between `open()` and `finish()`/`abandon()`
        self.failures = 0

    def open(self, arg: str, offered: tuple[str, ...]) -> bytes | None:
        """Check `AUTH <mech> [initial-response]` and set up the mechanism; returns the raw initial response."""
        if not offered:
            raise ProtocolViolation(replies.AUTH_NOT_AVAILABLE)
        parts = arg.split()
        if not 1 <= len(parts) <= 2:
            raise ProtocolViolation(replies.SYNTAX_ERROR)
        name = parts[0].upper()
        if name not in offered:
            raise ProtocolViolation(replies.AUTH_UNKNOWN_MECHANISM)
        spec = self.policy.auth[name]
        ctx = MechanismContext(
            hostname=self.hostname,
            realm=spec.realm or self.hostname,
            stored_cleartext=spec.stored_cleartext,
            random_bytes=self._random,
            clock=self._clock,
        )
        try:
            mechanism = self._mechanisms.create(spec, ctx)
        except Exception:
            log.exception("cannot set up SASL mechanism %s", name)
            raise ProtocolViolation(replies.AUTH_TEMPORARY) from None
        self.exchange = Exchange(spec, mechanism, self.policy)
        return parts[1].encode() if len(parts) == 2 else None

    def start(self, initial: bytes | None) -> Result:
        """Begin the opened exchange; a cancel or undecodable initial response raises (the exchange failed)."""
        exchange = self._current()
        if initial is None:
            return exchange.start(None)
        if is_cancel(initial):
            raise ProtocolViolation(replies.AUTH_CANCELLED)
        return exchange.start(decode_response(initial))

    def respond(self, line: bytes) -> Result:
        """The client's next line inside the exchange."""
        text = line.rstrip(b"\n").removesuffix(b"\r")
        if is_cancel(text):
            raise ProtocolViolation(replies.AUTH_CANCELLED)
        return self._current().step(decode_response(text))

    def computed(self, value: object, error: BaseException | None = None) -> Result:
        """The answer to the exchange's Offload, worked out off the loop."""
        return self._current().computed(value, error)

    def fail(self, reply: Reply) -> Outcome:
        """The exchange ended on the SMTP side (cancel, bad base64, over-long line)."""
        return self._current().failed(reply)

    def finish(self, outcome: Outcome) -> tuple[AuthAttempted, bool]:
        """Close the exchange: the event to hand the driver, and whether the failure budget is spent."""
        exchange = self._current()
        spec, judged = exchange.spec, exchange.judged
        self.exchange = None
        passed = outcome.status is AuthStatus.PASS
        # A right password waits as long as a wrong one would have: the wait must not tell them apart.
        delay = self.failure_delay(self.failures + 1) if passed or outcome.counts_as_failure else 0.0
        if outcome.counts_as_failure:
            self.failures += 1
        if judged:  # the verdict went out (held) as a 334 already: nothing left to hold
            delay = 0.0
        event = AuthAttempted(
            spec.name,
            outcome.user,
            passed,
            False,
            spec.log_authentication,
            delay,
            outcome.counts_as_failure and not judged,
            judged=judged,
            reason=outcome.reason,
            error=outcome.status is AuthStatus.ERROR,
        )
        return event, outcome.counts_as_failure and self.failures >= self.policy.max_auth_failures

    def verdict(self) -> AuthVerdict:
        """A 334 that says the password is right: held like the 235 it stands for."""
        return AuthVerdict(self.failure_delay(self.failures + 1))

    def failure_delay(self, failures: int) -> float:
        """The answer to the first failure goes out at once, to each further AUTH after twice the wait of the
        one before (whatever its verdict)."""
        if failures < 2:
            return 0.0
        exponent = min(failures - 2, 32)
        return min(self.policy.auth_penalty_cap, self.policy.auth_failure_delay * 2**exponent)

    def abandon(self, timeout: bool) -> AuthAttempted | None:
        """The client went away or fell silent inside an exchange: a failed attempt for the accounting log."""
        exchange, self.exchange = self.exchange, None
        if exchange is None:
            return None
        spec = exchange.spec
        reason = "timed out inside the exchange" if timeout else "the client left inside the exchange"
        return AuthAttempted(
            spec.name, exchange.claimed_user, False, timeout, spec.log_authentication, abandoned=True, reason=reason
        )

    def _current(self) -> Exchange:
        if self.exchange is None:
            raise RuntimeError("no AUTH exchange is open")
        return self.exchange
