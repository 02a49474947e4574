"""One AUTH exchange seen from SMTP: base64 on the wire, mechanism steps, the verdict (RFC 4954).

Rule of this room: translate between wire lines and a `Mechanism`'s raw-byte steps, and turn the final step
into a reply plus a validation-context outcome; a mechanism's request for costly work goes out as an
`Offload` and its answer comes back through `computed()`. No dialogue state here: the protocol decides when an
exchange may start and what to do once it has ended.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from . import replies
from .config import MechanismSpec, SessionPolicy
from .events import AuthStatus, Offload
from .policy import auth_verdict
from .replies import ProtocolViolation, Reply
from .sasl.base import Challenge, Costly, Failure, FailureKind, Mechanism, MechanismContext, Step, Success

log = logging.getLogger(__name__)


class MechanismFactory(Protocol):
    """Where the protocol gets mechanisms from (the server wires it to the SASL registry and stores)."""

    def available(self, spec: MechanismSpec) -> bool:
        """Whether the mechanism exists and its store can serve it (decides what EHLO offers)."""

    def create(self, spec: MechanismSpec, ctx: MechanismContext) -> Mechanism: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an exchange ended."""

    reply: Reply
    status: AuthStatus
    user: str
    counts_as_failure: bool  # towards max_auth_failures


def decode_response(text: bytes) -> bytes:
    """A client's base64 line (RFC 4954 §4): `=` is an empty initial response, anything undecodable is 501."""
    text = text.strip(b" ")
    if text == b"=":
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolViolation(replies.AUTH_BAD_BASE64) from None


def is_cancel(text: bytes) -> bool:
    return text.strip(b" ") == b"*"


def challenge_reply(data: bytes) -> Reply:
    # An empty challenge still gets its space: "334 " (RFC 4954 §4).
    return replies.AUTH_CHALLENGE.format(data=base64.b64encode(data).decode("ascii"))


@dataclass(frozen=True, slots=True)
class Judged:
    """A 334 that carries the verdict (DIGEST-MD5 rspauth, SCRAM server-final): held like a final answer."""

    reply: Reply


# Offload: the mechanism asked for costly work; the exchange goes on with `computed()`.
Result = Reply | Judged | Outcome | Offload


class Exchange:
    """A running AUTH exchange: feed decoded responses, get a challenge reply, a verdict 334 or an Outcome."""

    def __init__(self, spec: MechanismSpec, mechanism: Mechanism, policy: SessionPolicy) -> None:
        self.spec = spec
        self.mechanism = mechanism
        self.policy = policy
        self.claimed_user = ""
        self.judged = False  # the verdict has gone out as a 334: what follows is no verdict
        self._costly: Costly | None = None  # asked for and not yet computed

    def start(self, initial_response: bytes | None) -> Result:
        return self._safely(lambda: self.mechanism.start(initial_response))

    def step(self, response: bytes) -> Result:
        return self._safely(lambda: self.mechanism.step(response))

    def computed(self, value: object, error: BaseException | None = None) -> Result:
        """The answer to the Offload the last step returned (`error`: what its work raised)."""
        costly, self._costly = self._costly, None
        if costly is None:
            raise RuntimeError("no costly work was asked for")
        if error is not None:
            log.error("SASL mechanism %s: offloaded work failed: %r", self.spec.name, error)
            return self._translate(Failure(FailureKind.TEMPORARY, "offloaded work failed"))
        return self._safely(lambda: costly.resume(value))

    def _safely(self, call: Callable[[], Step]) -> Result:
        try:
            step = call()
        except Exception:
            # A broken store or mechanism must not take the connection down: answer 454 and carry on.
            log.exception("SASL mechanism %s failed", self.spec.name)
            step = Failure(FailureKind.TEMPORARY, "mechanism error")
        return self._translate(step)

    def _translate(self, step: Step) -> Result:
        if isinstance(step, Costly):
            self._costly = step
            return Offload(step.function, step.args)
        if isinstance(step, Challenge):
            if step.verdict is None:
                return challenge_reply(step.data)
            self.claimed_user = step.verdict.authcid
            if not auth_verdict(self.policy, credentials_ok=True):  # always_deny: no proof, a plain 535
                return self._verdict(credentials_ok=False)
            self.judged = True
            return Judged(challenge_reply(step.data))
        if isinstance(step, Success):
            self.claimed_user = step.authcid
            return self._verdict(credentials_ok=True)
        self.claimed_user = step.authcid or self.claimed_user
        if step.kind is FailureKind.CREDENTIALS:
            return self._verdict(credentials_ok=False)
        if step.kind is FailureKind.MALFORMED:
            return Outcome(replies.AUTH_MALFORMED, AuthStatus.FAIL, self.claimed_user, True)
        return Outcome(replies.AUTH_TEMPORARY, AuthStatus.ERROR, self.claimed_user, False)

    def _verdict(self, credentials_ok: bool) -> Outcome:
        if auth_verdict(self.policy, credentials_ok):
            return Outcome(replies.AUTH_OK, AuthStatus.PASS, self.claimed_user, False)
        return Outcome(replies.AUTH_FAILED, AuthStatus.FAIL, self.claimed_user, True)

    def failed(self, reply: Reply) -> Outcome:
        """The exchange ended on the SMTP side (cancel, bad base64, over-long line)."""
        counts = reply is not replies.AUTH_CANCELLED
        return Outcome(reply, AuthStatus.FAIL, self.claimed_user, counts)
