"""The contract every SASL mechanism keeps.

Rule of this room: a mechanism is a small server-side state machine over *raw bytes*. It never sees base64,
never reads a socket, never writes a log and never sleeps. The SMTP protocol decodes the client's lines,
feeds them to `start()`/`step()` and turns the returned `Step` into a reply (334, 235, 535, 454...).
Everything a mechanism needs from the outside (credentials, randomness, the clock, the host name) is
handed to it when it is created, so the RFC test vectors can drive it deterministically. Work too slow to
do on an event loop (a key derivation) is not done in place: the step asks for it (`Costly`), and the
driver runs it elsewhere and hands the answer back.
"""

from __future__ import annotations

import enum
import hmac
import inspect
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from ..password_hashes import Stored


class SecretKind(enum.Enum):
    """What a credential store can hand out for a user."""

    CLEARTEXT = "cleartext"
    # H(user ":" realm ":" password), the raw 16-byte MD5 of RFC 2831 (htdigest files store its hex form).
    DIGEST_HA1 = "digest-ha1"
    # A stored hash a password can be checked against (`{SHA512-CRYPT}$6$...`): PLAIN and LOGIN only.
    HASHED = "hashed"
    # Nothing handed out: the store checks a password itself (an auth_ds Scheme asks its database), and may
    # not be able to say (TEMPORARY). PLAIN and LOGIN only.
    VERIFY = "verify"


class HashedLookup(Protocol):
    """A store that can also hand out stored hashes (it holds SecretKind.HASHED)."""

    def hashed(self, user: str) -> Stored | None:
        """How the user's password is stored (a hash, or clear text), or None if the user is unknown."""

    def dummy_hash(self) -> Stored:
        """A stored value as costly to check as the store's own hashes, for unknown users (equal work)."""


class VerifyingLookup(Protocol):
    """A store that checks passwords itself (it holds SecretKind.VERIFY), awaited on the driver's loop."""

    async def check(self, user: str, password: str, realm: str) -> bool | None:
        """True: right; False: wrong or unknown user; None: the store could not answer now. Never raises,
        and returns within the store's own timeout."""

    def known(self, user: str, password: str, realm: str) -> bool | None:
        """The answer `check()` would give when the store has it at hand (a fresh cached answer), without
        awaiting; None when only `check()` can say. Saves the session a task and two turns of the loop."""


class CredentialLookup(Protocol):
    """The read side of a credential store, as a mechanism sees it."""

    @property
    def secret_kinds(self) -> frozenset[SecretKind]: ...

    def cleartext(self, user: str) -> str | None:
        """The user's clear-text password, or None if unknown or not stored in clear text."""

    def digest_ha1(self, user: str, realm: str) -> bytes | None:
        """The raw 16-byte H(user:realm:password) for that realm, or None."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """Send `334 <base64(data)>` and wait for the client's next line."""

    data: bytes
    # Set when this challenge tells the client its credentials are right (DIGEST-MD5 rspauth, SCRAM
    # server-final): the verdict, which the protocol holds back like a final 235/535. Not part of equality:
    # a challenge is what goes on the wire.
    verdict: Success | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Success:
    """Authentication succeeded for `authcid` (acting as `authzid`, empty when none was asked for)."""

    authcid: str
    authzid: str = ""


class FailureKind(enum.Enum):
    CREDENTIALS = "credentials"  # wrong password or unknown user -> 535 5.7.8
    MALFORMED = "malformed"  # the client's message does not follow the mechanism -> 501 5.5.2
    TEMPORARY = "temporary"  # the store could not answer -> 454 4.7.0 (auth_status "error")


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    # For logs only; never contains a secret or the client's raw response.
    reason: str
    # The user name the client claimed, when the mechanism got that far (for the accounting log).
    authcid: str = ""


@dataclass(frozen=True, slots=True)
class Costly:
    """Work too slow for an event loop (a key derivation): whoever drives the mechanism runs
    `function(*args)` where it may take its time, and hands what it returns to `resume`, which gives the
    exchange's next step. `function` is pure (no I/O, no shared state), so any thread may run it; or it is a
    coroutine function (a store that asks a database, VerifyingLookup.check), which the driver awaits on its
    own loop instead, taking no thread."""

    function: Callable[..., object]
    args: tuple[object, ...]
    resume: Callable[[object], Step]


Step = Challenge | Success | Failure | Costly


@dataclass(frozen=True, slots=True)
class MechanismContext:
    """What a mechanism may know about its surroundings."""

    hostname: str
    realm: str = ""
    stored_cleartext: bool = False
    # Returns fresh random bytes from a CSPRNG (os.urandom in production, fixed bytes in tests).
    random_bytes: Callable[[int], bytes] | None = None
    # Returns the current time in seconds (time.time in production).
    clock: Callable[[], float] | None = None


class Mechanism(Protocol):
    """One authentication exchange. Create a new object per AUTH command."""

    name: ClassVar[str]  # the SASL name, upper case: "PLAIN", "CRAM-MD5", ...

    def start(self, initial_response: bytes | None) -> Step:
        """Begin the exchange; `initial_response` is None when the client sent none, b"" for `=`."""

    def step(self, response: bytes) -> Step:
        """Continue with the client's decoded response to the last Challenge."""


# --- Helpers shared by the mechanisms (additions to the contract above; none of them does I/O). ---


class StoreUnavailable(Exception):
    """Raised by a credential lookup that cannot answer right now; a mechanism turns it into TEMPORARY."""


# Returned by `step()` once an exchange has ended: a mechanism object serves exactly one exchange.
EXCHANGE_OVER = Failure(FailureKind.MALFORMED, "the exchange is already over")


def settle(step: Step) -> Step:
    """Run a step's costly work right here, as often as asked, until a plain step comes out (tests, and
    callers with no event loop to keep free)."""
    while isinstance(step, Costly):
        step = step.resume(_now(step.function(*step.args)))
    return step


def _now(value: object) -> object:
    """A coroutine's result when it finishes without waiting for anything (a test's store); settle() has no
    loop to wait on, so one that would wait is an error here."""
    if not inspect.iscoroutine(value):
        return value
    try:
        value.send(None)
    except StopIteration as done:
        return done.value
    value.close()
    raise RuntimeError("settle() cannot wait: await this check on an event loop")


def random_source(ctx: MechanismContext) -> Callable[[int], bytes]:
    """The context's randomness, or the operating system's CSPRNG."""
    return ctx.random_bytes or os.urandom


def clock_source(ctx: MechanismContext) -> Callable[[], float]:
    """The context's clock, or wall-clock time."""
    return ctx.clock or time.time


def decode_utf8(data: bytes) -> str | None:
    """The text of a client message, or None when it is not UTF-8 (the caller answers MALFORMED)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def secrets_equal(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets in time that does not depend on where they differ."""
    a_bytes = a.encode("utf-8") if isinstance(a, str) else a
    b_bytes = b.encode("utf-8") if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


def fetch_cleartext(store: CredentialLookup, user: str) -> str | Failure | None:
    """The user's clear-text password; None for an unknown user; a TEMPORARY Failure when the store can't say.

    A store that holds no clear text at all is a configuration problem, not a wrong password, so the client
    is told to try later (454) rather than that its credentials are bad.
    """
    if SecretKind.CLEARTEXT not in store.secret_kinds:
        return Failure(FailureKind.TEMPORARY, "the credential store holds no clear-text passwords", user)
    try:
        return store.cleartext(user)
    except StoreUnavailable:
        return Failure(FailureKind.TEMPORARY, "the credential store could not answer", user)
