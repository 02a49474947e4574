"""SASL mechanisms by name, and which stored secrets each one can use.

Rule of this room: the registry and the secret table are plain data, read by the server (to create a
mechanism per AUTH command) and by the compiler's lint (to tell whether a store can serve a mechanism).
"""

from __future__ import annotations

from .base import CredentialLookup, Mechanism, MechanismContext, SecretKind
from .cram_md5 import CramMd5Mechanism
from .digest_md5 import DigestMd5Mechanism
from .login import LoginMechanism
from .plain import PlainMechanism
from .scram_sha256 import ScramSha256Mechanism

MECHANISMS: dict[str, type] = {
    cls.name: cls
    for cls in (PlainMechanism, LoginMechanism, CramMd5Mechanism, DigestMd5Mechanism, ScramSha256Mechanism)
}

_CLEAR = frozenset({SecretKind.CLEARTEXT})

# mechanism -> {stored_cleartext: the secret kinds, any one of which lets the mechanism work}.
# Only DIGEST-MD5 cares about stored_cleartext: without it the store must hold H(user:realm:password).
# PLAIN and LOGIN get the password itself, so a stored hash serves them too, and so does a store that checks
# a password itself (VERIFY); the challenge-response mechanisms need a secret such a store never hands out.
_PASSWORD = frozenset({SecretKind.CLEARTEXT, SecretKind.HASHED, SecretKind.VERIFY})
REQUIRED_SECRETS: dict[str, dict[bool, frozenset[SecretKind]]] = {
    "PLAIN": {False: _PASSWORD, True: _PASSWORD},
    "LOGIN": {False: _PASSWORD, True: _PASSWORD},
    "CRAM-MD5": {False: _CLEAR, True: _CLEAR},
    "DIGEST-MD5": {False: frozenset({SecretKind.DIGEST_HA1}), True: _CLEAR},
    "SCRAM-SHA-256": {False: _CLEAR, True: _CLEAR},
}


def can_serve(mech: str, kinds: frozenset[SecretKind], stored_cleartext: bool = False) -> bool:
    """Whether a store holding `kinds` of secrets can serve `mech` (case-insensitive; KeyError if unknown)."""
    return bool(REQUIRED_SECRETS[mech.upper()][stored_cleartext] & kinds)


def create(name: str, store: CredentialLookup, ctx: MechanismContext) -> Mechanism:
    """A fresh mechanism object for one AUTH exchange (case-insensitive name; KeyError if unknown)."""
    mechanism: Mechanism = MECHANISMS[name.upper()](store, ctx)
    return mechanism


__all__ = ["MECHANISMS", "REQUIRED_SECRETS", "can_serve", "create"]
