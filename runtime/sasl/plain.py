"""PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL passwd`, checked against a clear-text store.

Rule of this room: the password is compared in constant time, an unknown user costs the same comparison as
a known one, and a client may only act as itself unless the mechanism was created to allow otherwise.
"""

from __future__ import annotations

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
    decode_utf8,
    fetch_cleartext,
    secrets_equal,
)

# Compared against when the user is unknown, so both cases take the same time.
_DUMMY_PASSWORD = "\x00unknown-user\x00"


class PlainMechanism:
    name: ClassVar[str] = "PLAIN"

    def __init__(self, store: CredentialLookup, ctx: MechanismContext, *, allow_authzid: bool = False) -> None:
        self._store = store
        self._ctx = ctx
        self._allow_authzid = allow_authzid
        self._awaiting = False  # True between the empty challenge and the client's message
        self._over = False

    def start(self, initial_response: bytes | None) -> Step:
        if self._over or self._awaiting:
            return EXCHANGE_OVER
        if initial_response is None:
            self._awaiting = True
            return Challenge(b"")
        return self._finish(initial_response)

    def step(self, response: bytes) -> Step:
        if self._over or not self._awaiting:
            return EXCHANGE_OVER
        return self._finish(response)

    def _finish(self, message: bytes) -> Step:
        self._over = True
        self._awaiting = False
        parts = message.split(b"\x00")
        if len(parts) != 3:
            return Failure(FailureKind.MALFORMED, "PLAIN message must have exactly two NUL separators")
        texts = [decode_utf8(part) for part in parts]
        authzid, authcid, password = texts
        if authzid is None or authcid is None or password is None:
            return Failure(FailureKind.MALFORMED, "PLAIN message is not valid UTF-8")
        if not authcid or not password:
            return Failure(FailureKind.MALFORMED, "PLAIN message has an empty user name or password", authcid)
        return verify_password(self._store, authcid, password, authzid, self._allow_authzid)


def verify_password(store: CredentialLookup, authcid: str, password: str, authzid: str, allow_authzid: bool) -> Step:
    """Check a clear-text password, then the authorization identity (shared by PLAIN and LOGIN)."""
    stored = fetch_cleartext(store, authcid)
    if isinstance(stored, Failure):
        return stored
    matches = secrets_equal(password, _DUMMY_PASSWORD if stored is None else stored)
    if stored is None:
        return Failure(FailureKind.CREDENTIALS, "unknown user", authcid)
    if not matches:
        return Failure(FailureKind.CREDENTIALS, "wrong password", authcid)
    if authzid and authzid != authcid and not allow_authzid:
        return Failure(FailureKind.CREDENTIALS, "authzid differs from authcid", authcid)
    return Success(authcid, authzid)
