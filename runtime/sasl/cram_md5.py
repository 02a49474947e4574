"""CRAM-MD5 (RFC 2195): challenge `<random.timestamp@host>`, reply `user SP hex(HMAC-MD5(pw, challenge))`.

Rule of this room: the challenge comes from the context's CSPRNG and clock only; the user name is everything
before the *last* space (names may contain spaces); the digest is compared in constant time, and an unknown
user costs the same HMAC as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import ClassVar

from .base import (
    EXCHANGE_OVER,
    Challenge,
    CredentialLookup,
    Failure,
    FailureKind,
    MechanismContext,
    Step,
    Success,
    clock_source,
    decode_utf8,
    fetch_cleartext,
    random_source,
    secrets_equal,
)

_HEX_DIGITS = frozenset("0123456789abcdef")


def make_challenge(random_bytes: bytes, timestamp: float, hostname: str) -> bytes:
    """The RFC 2195 challenge: a msg-id built from random digits, the time and the host name."""
    return f"<{int.from_bytes(random_bytes, 'big')}.{int(timestamp)}@{hostname}>".encode()


def compute_digest(password: str, challenge: bytes) -> str:
    """Lower-case hex HMAC-MD5 keyed with the password over the challenge."""
    return hmac.new(password.encode("utf-8"), challenge, hashlib.md5).hexdigest()


class CramMd5Mechanism:
    name: ClassVar[str] = "CRAM-MD5"

    def __init__(self, store: CredentialLookup, ctx: MechanismContext) -> None:
        self._store = store
        self._ctx = ctx
        self._started = False
        self._challenge = b""  # set by start(), cleared when the response arrives: one answer per challenge

    def start(self, initial_response: bytes | None) -> Step:
        if self._started:
            self._challenge = b""
            return EXCHANGE_OVER
        self._started = True
        if initial_response:  # the server speaks first in CRAM-MD5; only an empty "=" makes sense
            return Failure(FailureKind.MALFORMED, "CRAM-MD5 takes no initial response")
        random = random_source(self._ctx)(8)
        self._challenge = make_challenge(random, clock_source(self._ctx)(), self._ctx.hostname)
        return Challenge(self._challenge)

    def step(self, response: bytes) -> Step:
        challenge = self._challenge
        if not challenge:
            return EXCHANGE_OVER
        self._challenge = b""
        text = decode_utf8(response)
        if text is None:
            return Failure(FailureKind.MALFORMED, "CRAM-MD5 response is not valid UTF-8")
        user, space, digest = text.rpartition(" ")
        digest = digest.lower()
        if not space or not user or len(digest) != 32 or not _HEX_DIGITS.issuperset(digest):
            return Failure(FailureKind.MALFORMED, "CRAM-MD5 response is not 'user SP 32-hex-digest'")
        stored = fetch_cleartext(self._store, user)
        if isinstance(stored, Failure):
            return stored
        # Computed for unknown users too so that timing does not tell which names exist.
        expected = compute_digest("" if stored is None else stored, challenge)
        matches = secrets_equal(digest, expected)
        if stored is None:
            return Failure(FailureKind.CREDENTIALS, "unknown user", user)
        if not matches:
            return Failure(FailureKind.CREDENTIALS, "wrong password", user)
        return Success(user)
