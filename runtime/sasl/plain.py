"""PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL passwd`, checked against the store's password
or stored hash (LOGIN shares the check).

Rule of this room: the password is compared in constant time, an unknown user costs the same comparison (or
the same hash) as a known one, a costly hash is asked for as `Costly` work, never computed in place, and a
client may only act as itself unless the mechanism was created to allow otherwise.
"""

from __future__ import annotations

from typing import ClassVar

from ..password_hashes import is_costly, matches
from .base import (
    EXCHANGE_OVER,
    Challenge,
    Costly,
    CredentialLookup,
    Failure,
    FailureKind,
    HashedLookup,
    MechanismContext,
    SecretKind,
    Step,
    StoreUnavailable,
    Success,
    VerifyingLookup,
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
    """Check a password, then the authorization identity (shared by PLAIN and LOGIN).

    Against a store of hashes the check may be costly (crypt, bcrypt, Argon2): it is then asked for as
    `Costly` work, run off the event loop; an unknown user is checked against the store's dummy hash, so
    that both cost the same. A store that checks passwords itself (a database) is awaited, off the loop's
    own work, and may answer that it cannot say (TEMPORARY: 454 4.7.0)."""
    if SecretKind.VERIFY in store.secret_kinds:
        return _verify_elsewhere(store, authcid, password, authzid, allow_authzid)  # type: ignore[arg-type]
    if SecretKind.HASHED in store.secret_kinds:
        return _verify_hashed(store, authcid, password, authzid, allow_authzid)  # type: ignore[arg-type]
    stored = fetch_cleartext(store, authcid)
    if isinstance(stored, Failure):
        return stored
    matches = secrets_equal(password, _DUMMY_PASSWORD if stored is None else stored)
    return _verdict(stored is not None, matches, authcid, authzid, allow_authzid)


def _verdict(known: bool, matched: bool, authcid: str, authzid: str, allow_authzid: bool) -> Step:
    if not known:
        return Failure(FailureKind.CREDENTIALS, "unknown user", authcid)
    if not matched:
        return Failure(FailureKind.CREDENTIALS, "wrong password", authcid)
    if authzid and authzid != authcid and not allow_authzid:
        return Failure(FailureKind.CREDENTIALS, "authzid differs from authcid", authcid)
    return Success(authcid, authzid)


def _verify_hashed(store: HashedLookup, authcid: str, password: str, authzid: str, allow_authzid: bool) -> Step:
    try:
        stored = store.hashed(authcid)
        target = stored if stored is not None else store.dummy_hash()
    except StoreUnavailable:
        return Failure(FailureKind.TEMPORARY, "the credential store could not answer", authcid)
    known = stored is not None

    def judge(matched: object) -> Step:
        return _verdict(known, bool(matched), authcid, authzid, allow_authzid)

    if is_costly(target):
        return Costly(matches, (target, password, authcid, ""), judge)
    return judge(matches(target, password, authcid))


def _verify_elsewhere(store: VerifyingLookup, authcid: str, password: str, authzid: str, allow_authzid: bool) -> Step:
    def judge(answer: object) -> Step:
        if answer is None:
            return Failure(FailureKind.TEMPORARY, "the credential store could not answer", authcid)
        return _verdict(True, answer is True, authcid, authzid, allow_authzid)

    at_hand = store.known(authcid, password, "")
    return judge(at_hand) if at_hand is not None else Costly(store.check, (authcid, password, ""), judge)
