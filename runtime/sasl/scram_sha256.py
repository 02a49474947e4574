"""SCRAM-SHA-256 (RFC 7677 over RFC 5802), server side, without channel binding, from a clear-text store or
from stored SCRAM keys (RFC 5803 `SCRAM-SHA-256$iter:salt$StoredKey:ServerKey`, or `{SCRAM-SHA-256}` lines).

Rule of this room: the salt of a user is derived, not stored (HMAC of a server secret and the user name), so
an unknown user gets a salt exactly like a known one and the exchange only fails at the proof; the salt and
nonce sources are injectable so the RFC 7677 vector can drive the exchange byte for byte. The PBKDF2 of the
client-final step is a `Costly` request: the mechanism never runs it itself. A user with stored keys has their
own salt and count, and needs no derivation, but one is run anyway so that a known user costs what an
unknown one does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import stringprep
import unicodedata
from collections.abc import Callable
from typing import ClassVar

from ..password_hashes import ScramKeys, scram_keys
from .base import (
    EXCHANGE_OVER,
    Challenge,
    Costly,
    CredentialLookup,
    Failure,
    FailureKind,
    MechanismContext,
    SecretKind,
    Step,
    StoreUnavailable,
    Success,
    decode_utf8,
    fetch_cleartext,
    random_source,
)

ITERATIONS = 4096  # RFC 7677 §4: at least 4096
# Given a user name, the salt and iteration count to use for it.
SaltSource = Callable[[str], tuple[bytes, int]]


class DerivedSalts:
    """Per-user salt = HMAC-SHA-256(secret, user)[:16]; the secret is per process unless one is given."""

    def __init__(self, secret: bytes | None = None, iterations: int = ITERATIONS) -> None:
        self._secret = os.urandom(32) if secret is None else secret
        self._iterations = iterations

    def __call__(self, user: str) -> tuple[bytes, int]:
        salt = hmac.new(self._secret, user.encode("utf-8"), hashlib.sha256).digest()[:16]
        return salt, self._iterations


DEFAULT_SALTS = DerivedSalts()

_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c21_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


def saslprep(text: str) -> str:
    """RFC 4013 SASLprep for a query string (unassigned code points allowed); ValueError when prohibited."""
    mapped = "".join(" " if stringprep.in_table_c12(ch) else ch for ch in text if not stringprep.in_table_b1(ch))
    normal = unicodedata.normalize("NFKC", mapped)
    if any(check(ch) for ch in normal for check in _PROHIBITED):
        raise ValueError("prohibited character")
    if any(stringprep.in_table_d1(ch) for ch in normal):  # RFC 3454 §6 bidirectional rule
        if any(stringprep.in_table_d2(ch) for ch in normal):
            raise ValueError("mixed bidirectional text")
        if not (stringprep.in_table_d1(normal[0]) and stringprep.in_table_d1(normal[-1])):
            raise ValueError("bidirectional text must start and end right-to-left")
    return normal


def salted_password(password: str, salt: bytes, iterations: int) -> bytes:
    try:
        prepared = saslprep(password)
    except ValueError:
        prepared = password  # a stored password SASLprep refuses is still usable as it is
    return hashlib.pbkdf2_hmac("sha256", prepared.encode("utf-8"), salt, iterations)


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def _decode_saslname(name: str) -> str | None:
    """`=2C` is ',' and `=3D` is '='; any other '=' is malformed (RFC 5802 §5.1)."""
    if "=" in name.replace("=2C", "").replace("=3D", ""):
        return None
    return name.replace("=2C", ",").replace("=3D", "=")


class ScramSha256Mechanism:
    name: ClassVar[str] = "SCRAM-SHA-256"

    def __init__(
        self,
        store: CredentialLookup,
        ctx: MechanismContext,
        *,
        salts: SaltSource | None = None,
        nonce: Callable[[], str] | None = None,
    ) -> None:
        self._store = store
        self._ctx = ctx
        self._salts = DEFAULT_SALTS if salts is None else salts
        self._make_nonce = nonce or self._random_nonce
        # "new" -> "first" (waiting for client-first) -> "final" -> "proof" (PBKDF2 asked for) -> "ack" -> "over"
        self._state = "new"
        self._gs2_header = ""
        self._user = ""
        self._authzid = ""
        self._password: str | None = None
        self._keys: ScramKeys | None = None  # the user's stored SCRAM keys, when the store keeps those
        self._nonce = ""
        self._auth_message_head = ""
        self._salt = b""
        self._iterations = 0
        self._success: Success | None = None

    def _random_nonce(self) -> str:
        return base64.b64encode(random_source(self._ctx)(18)).decode("ascii")

    def start(self, initial_response: bytes | None) -> Step:
        if self._state != "new":
            return self._end(EXCHANGE_OVER)
        if initial_response is None:
            self._state = "first"
            return Challenge(b"")
        return self._client_first(initial_response)

    def step(self, response: bytes) -> Step:
        if self._state == "first":
            return self._client_first(response)
        if self._state == "final":
            return self._client_final(response)
        if self._state == "ack" and self._success is not None:
            if response:
                return self._end(Failure(FailureKind.MALFORMED, "expected an empty reply to v=", self._user))
            return self._end(self._success)
        return self._end(EXCHANGE_OVER)

    def _end(self, result: Step) -> Step:
        self._state = "over"
        return result

    def _client_first(self, data: bytes) -> Step:
        text = decode_utf8(data)
        if text is None:
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-first is not valid UTF-8"))
        parts = text.split(",", 2)
        if len(parts) != 3:
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-first lacks the gs2 header"))
        cbind, authz, bare = parts
        if cbind.startswith("p="):
            return self._end(Failure(FailureKind.MALFORMED, "channel binding is not supported"))
        if cbind not in ("n", "y") or (authz and not authz.startswith("a=")):
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM gs2 header is malformed"))
        attrs = bare.split(",")
        if len(attrs) < 2 or not attrs[0].startswith("n=") or not attrs[1].startswith("r="):
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-first must start n=...,r=..."))
        user = _decode_saslname(attrs[0][2:])
        authzid = _decode_saslname(authz[2:]) if authz else ""
        cnonce = attrs[1][2:]
        if not user or authzid is None or not cnonce:
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM user name or nonce is malformed"))
        keys = self._stored_keys(user)
        stored = fetch_cleartext(self._store, user) if keys is None else None
        if isinstance(stored, Failure):
            return self._end(stored)
        if isinstance(keys, Failure):
            return self._end(keys)
        self._gs2_header = f"{cbind},{authz},"
        self._user, self._authzid, self._password, self._keys = user, authzid, stored, keys
        self._salt, self._iterations = (keys.salt, keys.iterations) if keys else self._salts(user)
        self._nonce = cnonce + self._make_nonce()
        salt_b64 = base64.b64encode(self._salt).decode("ascii")
        server_first = f"r={self._nonce},s={salt_b64},i={self._iterations}"
        self._auth_message_head = f"{bare},{server_first}"
        self._state = "final"
        return Challenge(server_first.encode("utf-8"))

    def _stored_keys(self, user: str) -> ScramKeys | Failure | None:
        """The user's SCRAM keys, when the store holds them (RFC 5803 or `{SCRAM-SHA-256}` lines)."""
        if SecretKind.HASHED not in self._store.secret_kinds:
            return None
        try:
            form = self._store.hashed(user)  # type: ignore[attr-defined]
        except StoreUnavailable:
            return Failure(FailureKind.TEMPORARY, "the credential store could not answer", user)
        return None if form is None else scram_keys(form)

    def _client_final(self, data: bytes) -> Step:
        user = self._user
        text = decode_utf8(data)
        proof_at = -1 if text is None else text.rfind(",p=")
        if text is None or proof_at < 0 or not text.startswith("c="):
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-final is malformed", user))
        without_proof = text[:proof_at]
        attrs = without_proof.split(",")
        try:
            binding = base64.b64decode(attrs[0][2:], validate=True)
            proof = base64.b64decode(text[proof_at + 3 :], validate=True)
        except binascii.Error:
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-final has bad base64", user))
        if len(attrs) < 2 or not attrs[1].startswith("r=") or len(proof) != hashlib.sha256().digest_size:
            return self._end(Failure(FailureKind.MALFORMED, "SCRAM client-final is malformed", user))
        if binding != self._gs2_header.encode("utf-8"):
            return self._end(Failure(FailureKind.CREDENTIALS, "channel binding data does not match", user))
        if not hmac.compare_digest(attrs[1][2:].encode("utf-8"), self._nonce.encode("utf-8")):
            return self._end(Failure(FailureKind.CREDENTIALS, "nonce is not the one issued", user))
        auth_message = f"{self._auth_message_head},{without_proof}".encode()
        # PBKDF2 costs milliseconds by design: asked for, not run here, so an event loop can hand it to a
        # thread. Derived for unknown users too, so the time taken does not tell which names exist.
        args = (self._password or "", self._salt, self._iterations)
        self._state = "proof"
        return Costly(salted_password, args, lambda salted: self._check_proof(salted, proof, auth_message))

    def _check_proof(self, salted: object, proof: bytes, auth_message: bytes) -> Step:
        user = self._user
        if self._state != "proof" or not isinstance(salted, bytes):
            return self._end(EXCHANGE_OVER)
        client_key_expected = _hmac(salted, b"Client Key")
        stored_key = hashlib.sha256(client_key_expected).digest()
        signature = _hmac(stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        matches = hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)
        if self._keys is not None:  # from stored keys: the derivation ran for equal work only
            stored_key, server_key = self._keys.stored_key, self._keys.server_key
            signature = _hmac(stored_key, auth_message)
            client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
            matches = hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)
        elif self._password is None:
            return self._end(Failure(FailureKind.CREDENTIALS, "unknown user", user))
        else:
            server_key = _hmac(salted, b"Server Key")
        if not matches:
            return self._end(Failure(FailureKind.CREDENTIALS, "wrong password", user))
        if self._authzid and self._authzid != user:
            return self._end(Failure(FailureKind.CREDENTIALS, "authzid differs from authcid", user))
        server_signature = _hmac(server_key, auth_message)
        self._success = Success(user, self._authzid)
        self._state = "ack"
        return Challenge(b"v=" + base64.b64encode(server_signature), verdict=self._success)
