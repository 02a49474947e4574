"""Stored password hashes: which scheme a stored value is in, and whether a password matches it.

Rule of this room: pure functions over strings, no I/O. Two vocabularies name the schemes: Momentum's
auth_ds `type` / `type_map` values (clear, digest-md5, md5, md5_hex, ...; TYPE_NAMES), and the `{SCHEME}`
prefixes that Dovecot and OpenLDAP write in front of a hash (`{SHA512-CRYPT}$6$...`; PREFIXES). The
crypt(3) family, bcrypt and Argon2 are checked by libpass (the maintained passlib), bcrypt and argon2-cffi,
never by code of ours; the plain digests by hashlib. Every comparison runs in constant time.

Schemes whose check costs real CPU (the crypt family, bcrypt, Argon2: COSTLY) must be run off the event loop
by the caller. A scheme whose library is not installed raises MissingBackend naming the extra to install.
A value that is not a well-formed hash of its scheme never matches (and never raises).

What each Momentum type means, where its page is terse: `md5` and `digest-md5` are the DIGEST-MD5 style
H(user:realm:password) in hex (the page says `type = "md5"` is "digest md5 style"); `smd5` and `ssha1` are
salted digests in base64 (digest then salt, as RFC 2307's {SMD5} and {SSHA} without the prefix); `rfc2307`
takes its scheme from the `{...}` prefix; `ucrypt` is crypt(3) (DES, $1$, $5$, $6$, $2b$). `hmac_md5` holds
CRAM-MD5's precomputed HMAC state, which a password cannot be checked against: only a query that decides
itself (returns_password off) can serve it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXTRA = "ecconf[hashes]"  # what to install for bcrypt and Argon2


class MissingBackend(Exception):
    """The library for a scheme is not installed; the message names the extra that brings it."""


class UnknownScheme(ValueError):
    """A type name or `{PREFIX}` ecconf does not know."""


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored value with its scheme resolved: `value` is what the scheme's checker reads."""

    scheme: str  # one of SCHEMES
    value: str


def _equal(a: str | bytes, b: str | bytes) -> bool:
    left = a.encode("utf-8", "surrogateescape") if isinstance(a, str) else a
    right = b.encode("utf-8", "surrogateescape") if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _salted(digest: Callable[[bytes], bytes], size: int) -> Callable[[str, str, str, str], bool]:
    def check(stored: str, password: str, _user: str, _realm: str) -> bool:
        raw = _b64(stored)
        if raw is None or len(raw) <= size:
            return False
        expected, salt = raw[:size], raw[size:]
        return _equal(digest(password.encode("utf-8") + salt), expected)

    return check


def _plain_digest(name: str, encoding: str) -> Callable[[str, str, str, str], bool]:
    def check(stored: str, password: str, _user: str, _realm: str) -> bool:
        digest = hashlib.new(name, password.encode("utf-8")).digest()
        if encoding == "hex":
            return _equal(stored.strip().lower(), digest.hex())
        raw = _b64(stored)
        return raw is not None and _equal(raw, digest)

    return check


def _digest_md5(stored: str, password: str, user: str, realm: str) -> bool:
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    return _equal(stored.strip().lower(), ha1)


def _clear(stored: str, password: str, _user: str, _realm: str) -> bool:
    return _equal(stored, password)


def _libpass(handler_name: str, needs: str | None = None) -> Callable[[str, str, str, str], bool]:
    def check(stored: str, password: str, _user: str, _realm: str) -> bool:
        handler = _handler(handler_name, needs)
        try:
            return bool(handler.verify(password, stored))
        except (ValueError, TypeError):
            return False  # not a well-formed hash of this scheme

    return check


def _handler(name: str, needs: str | None) -> Any:
    if needs is not None:
        try:
            __import__(needs)
        except ImportError:
            raise MissingBackend(f"{name} hashes need the {needs} library: pip install '{EXTRA}'") from None
    import passlib.hash  # type: ignore[import-untyped]  # libpass ships no type information

    return getattr(passlib.hash, name)


def _crypt(stored: str, password: str, user: str, realm: str) -> bool:
    """crypt(3): the handler is picked by the value's own `$id$` (or DES for 13 plain characters)."""
    for prefix, checker in _CRYPT_IDS:
        if stored.startswith(prefix):
            return checker(stored, password, user, realm)
    if len(stored) == 13:
        return _libpass("des_crypt")(stored, password, user, realm)
    return False


_CRYPT_IDS: tuple[tuple[str, Callable[[str, str, str, str], bool]], ...] = (
    ("$1$", _libpass("md5_crypt")),
    ("$5$", _libpass("sha256_crypt")),
    ("$6$", _libpass("sha512_crypt")),
    ("$2a$", _libpass("bcrypt", "bcrypt")),
    ("$2b$", _libpass("bcrypt", "bcrypt")),
    ("$2y$", _libpass("bcrypt", "bcrypt")),
    ("$argon2", _libpass("argon2", "argon2")),
)

# scheme -> checker(stored, password, user, realm)
CHECKERS: dict[str, Callable[[str, str, str, str], bool]] = {
    "clear": _clear,
    "digest-md5": _digest_md5,
    "md5_hex": _plain_digest("md5", "hex"),
    "md5_base64": _plain_digest("md5", "base64"),
    "sha1_hex": _plain_digest("sha1", "hex"),
    "sha1_base64": _plain_digest("sha1", "base64"),
    "smd5": _salted(lambda data: hashlib.md5(data).digest(), 16),
    "ssha1": _salted(lambda data: hashlib.sha1(data).digest(), 20),
    "crypt": _crypt,
    "argon2": _libpass("argon2", "argon2"),
    "bcrypt": _libpass("bcrypt", "bcrypt"),
    "unknown": lambda _stored, _password, _user, _realm: False,  # a {SCHEME} ecconf does not know
    "scram-sha-256": lambda stored, password, _user, _realm: _scram_matches(stored, password),
}
SCHEMES = frozenset(CHECKERS)
COSTLY = frozenset({"crypt", "argon2", "bcrypt", "scram-sha-256"})

# Momentum's auth_ds `type` / `type_map` values -> scheme; "rfc2307" reads the value's own prefix, and
# "hmac_md5" cannot be checked against a password at all (see the module header).
TYPE_NAMES: dict[str, str | None] = {
    "clear": "clear",
    "digest-md5": "digest-md5",
    "md5": "digest-md5",
    "md5_hex": "md5_hex",
    "md5_base64": "md5_base64",
    "sha1_hex": "sha1_hex",
    "sha1_base64": "sha1_base64",
    "smd5": "smd5",
    "ssha1": "ssha1",
    "ucrypt": "crypt",
    "rfc2307": None,
    "hmac_md5": None,
}

# `{PREFIX}` (Dovecot, OpenLDAP; case-insensitive) -> scheme of what follows it.
PREFIXES: dict[str, str] = {
    "PLAIN": "clear",
    "CLEARTEXT": "clear",
    "CLEAR": "clear",
    "CRYPT": "crypt",
    "MD5-CRYPT": "crypt",
    "SHA256-CRYPT": "crypt",
    "SHA512-CRYPT": "crypt",
    "BLF-CRYPT": "crypt",
    "SSHA": "ssha1",
    "SHA": "sha1_base64",
    "SHA1": "sha1_base64",
    "SMD5": "smd5",
    "MD5": "md5_base64",
    "PLAIN-MD5": "md5_hex",
    "LDAP-MD5": "md5_base64",
    "ARGON2ID": "argon2",
    "ARGON2I": "argon2",
    "SCRAM-SHA-256": "scram-sha-256",
}


def split_prefix(value: str) -> Stored | None:
    """`{SCHEME}rest` -> Stored(scheme, rest); None when the value has no `{...}` prefix."""
    if not value.startswith("{"):
        return None
    name, sep, rest = value[1:].partition("}")
    if not sep:
        return None
    scheme = PREFIXES.get(name.upper())
    if scheme is None:
        raise UnknownScheme(f"unknown password scheme {{{name}}}; known: {', '.join(sorted(PREFIXES))}")
    if scheme == "crypt" and rest.startswith("$argon2"):
        scheme = "argon2"
    return Stored(scheme, rest)


# What a scheme prefix looks like in a password file; a clear-text password of that shape must be written
# with `{PLAIN}` in front, or it is taken for a hash of an unknown scheme (never as a password anyone knows).
_PREFIX_SHAPE = re.compile(r"\{[A-Za-z0-9][A-Za-z0-9._-]*\}")


def stored_form(value: str) -> Stored:
    """How a `file:` store keeps one user's password: `{SCHEME}hash`, RFC 5803's `SCRAM-SHA-256$...`, or clear
    text. A value that starts like a scheme prefix ecconf does not know is Stored("unknown", ...), which no
    password matches: a hash must never be taken for the password itself."""
    if value.startswith(_RFC5803) and scram_keys(Stored("scram-sha-256", value[len(_RFC5803) :])) is not None:
        return Stored("scram-sha-256", value[len(_RFC5803) :])
    if not value.startswith("{") or not _PREFIX_SHAPE.match(value):
        return Stored("clear", value)
    try:
        prefixed = split_prefix(value)
    except UnknownScheme:
        return Stored("unknown", value)
    return prefixed if prefixed is not None else Stored("clear", value)


# --- SCRAM-SHA-256 keys (RFC 5802 §3): what a server needs to run SCRAM without the password ---------------

_RFC5803 = "SCRAM-SHA-256$"  # RFC 5803's form, as LDAP's userPassword holds it: iter:salt$StoredKey:ServerKey


@dataclass(frozen=True, slots=True)
class ScramKeys:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes


def scram_keys(stored: Stored) -> ScramKeys | None:
    """The keys of a SCRAM-SHA-256 value: RFC 5803's `iter:salt$StoredKey:ServerKey` or Dovecot's
    `iter,salt,StoredKey,ServerKey` (base64 each); None when it is neither, or not SHA-256 sized."""
    if stored.scheme != "scram-sha-256":
        return None
    value = stored.value.strip()
    head, dollar, keys = value.partition("$")
    if dollar:
        count, _colon, salt = head.partition(":")
        stored_key, _colon2, server_key = keys.partition(":")
        fields = [count, salt, stored_key, server_key]
    else:
        fields = value.split(",")
    if len(fields) != 4 or not fields[0].isdigit():
        return None
    raw = [_b64(text) for text in fields[1:]]
    if any(r is None for r in raw):
        return None
    salt_raw, stored_raw, server_raw = (r or b"" for r in raw)
    if len(stored_raw) != 32 or len(server_raw) != 32 or not salt_raw or not 1 <= int(fields[0]) <= 10_000_000:
        return None
    return ScramKeys(int(fields[0]), salt_raw, stored_raw, server_raw)


def scram_client_key(password: str, salt: bytes, iterations: int) -> bytes:
    """RFC 5802's ClientKey for a password (SaltedPassword by PBKDF2-HMAC-SHA-256; costly by design)."""
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return hmac.new(salted, b"Client Key", hashlib.sha256).digest()


def _scram_matches(value: str, password: str) -> bool:
    keys = scram_keys(Stored("scram-sha-256", value))
    if keys is None:
        return False
    client_key = scram_client_key(password, keys.salt, keys.iterations)
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), keys.stored_key)


def make_scram(password: str, iterations: int = 4096, salt: bytes | None = None) -> str:
    """A new `{SCRAM-SHA-256}iter,salt,StoredKey,ServerKey` for `password` (Dovecot's form)."""
    import os

    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    parts = [base64.b64encode(x).decode() for x in (salt, hashlib.sha256(client_key).digest(), server_key)]
    return "{SCRAM-SHA-256}" + ",".join([str(iterations), *parts])


def unknown_prefix(value: str) -> str | None:
    """The `{NAME}` of a value whose scheme prefix ecconf does not know, for diagnostics; else None."""
    if stored_form(value).scheme != "unknown":
        return None
    return value[: value.index("}") + 1]


def resolve(value: str, type_name: str | None = None) -> Stored:
    """The scheme of a stored value: a `{PREFIX}` wins; else the Momentum `type_name`; else clear text.
    UnknownScheme for a prefix or type name ecconf does not know, or one no password can be checked against."""
    prefixed = split_prefix(value)
    if prefixed is not None:
        return prefixed
    if type_name is None:
        return Stored("clear", value)
    key = type_name.strip().lower()
    if key not in TYPE_NAMES:
        raise UnknownScheme(f"unknown password type {type_name!r}; known: {', '.join(TYPE_NAMES)}")
    scheme = TYPE_NAMES[key]
    if scheme is None:
        if key == "rfc2307":
            raise UnknownScheme("an rfc2307 password must start with its {SCHEME} prefix")
        raise UnknownScheme(f"a {key} value cannot be checked against a password")
    return Stored(scheme, value)


def matches(stored: Stored, password: str, user: str = "", realm: str = "") -> bool:
    """Whether `password` is the one `stored` was made from (constant time in the hash comparison).
    `user` and `realm` matter only for the digest-md5 scheme. May raise MissingBackend."""
    return CHECKERS[stored.scheme](stored.value, password, user, realm)


def is_costly(stored: Stored) -> bool:
    """Whether checking this value costs enough CPU that it must not run on the event loop."""
    return stored.scheme in COSTLY


# Writing hashes (`ecconf passwd --scheme`): the `{PREFIX}` form Dovecot writes. The crypt family gets the
# 5000 rounds crypt(3), `openssl passwd -6` and mkpasswd use (libpass's own default, 656 000, costs its
# pure-Python backend about 0.7 s a check, which a mail server pays on every login); bcrypt cost 10.
WRITERS: dict[str, tuple[str, str | None, dict[str, int]]] = {
    "SHA512-CRYPT": ("sha512_crypt", None, {"rounds": 5000}),
    "SHA256-CRYPT": ("sha256_crypt", None, {"rounds": 5000}),
    "BLF-CRYPT": ("bcrypt", "bcrypt", {"rounds": 10}),
    "ARGON2ID": ("argon2", "argon2", {}),
    "SSHA": ("ldap_salted_sha1", None, {}),
}


def make(prefix: str, password: str) -> str:
    """A new `{PREFIX}hash` of `password` with a random salt. UnknownScheme, MissingBackend."""
    key = prefix.strip("{}").upper()
    if key == "SCRAM-SHA-256":
        return make_scram(password)
    if key not in WRITERS:
        raise UnknownScheme(f"cannot write {{{key}}} hashes; choose one of {', '.join([*WRITERS, 'SCRAM-SHA-256'])}")
    name, needs, settings = WRITERS[key]
    handler = _handler(name, needs)
    made: str = handler.using(**settings).hash(password) if settings else handler.hash(password)
    if made.startswith("{"):  # ldap_* handlers write their own prefix
        made = made.partition("}")[2]
    return f"{{{key}}}{made}"
