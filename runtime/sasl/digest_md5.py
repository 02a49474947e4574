"""DIGEST-MD5 (RFC 2831, Historic since RFC 6331), server side, `qop=auth` only.

Rule of this room: parse the client's directives leniently (real clients differ), check them strictly (our
nonce, used once and recently issued, nc=1, the smtp/ service, our realm), and compare the response digest in
constant time; an unknown user is checked against a dummy H(A1) with the same hashing as a wrong password.
Every nonce carries its issue time, so the used-nonce record can forget old entries safely.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
from collections import OrderedDict
from typing import ClassVar

from .base import (
    EXCHANGE_OVER,
    Challenge,
    CredentialLookup,
    Failure,
    FailureKind,
    MechanismContext,
    SecretKind,
    Step,
    StoreUnavailable,
    Success,
    clock_source,
    decode_utf8,
    random_source,
)

_HEX_DIGITS = frozenset("0123456789abcdef")
_REQUIRED = ("username", "nonce", "cnonce", "nc", "digest-uri", "response")
# RFC 2831 §2.1.2 directive names: only these are ever named in a failure reason (never client text).
_KNOWN = frozenset({*_REQUIRED, "realm", "qop", "maxbuf", "charset", "cipher", "authzid"})
# What an unknown user is checked against (never matched: `_check` ignores a match for an unknown user).
_DUMMY_PASSWORD = os.urandom(12).hex()
_DUMMY_HA1 = os.urandom(16)


class DirectiveError(ValueError):
    """The client's directive list cannot be parsed."""


# --- The math (RFC 2831 §2.1.2.1) ---


def compute_ha1(user: str, realm: str, password: str, encoding: str = "utf-8") -> bytes:
    """The raw 16-byte H(user ":" realm ":" password) that htdigest files store in hex."""
    return hashlib.md5(f"{user}:{realm}:{password}".encode(encoding)).digest()


def compute_response(
    ha1: bytes,
    nonce: str,
    cnonce: str,
    nc: str,
    qop: str,
    digest_uri: str,
    authzid: str = "",
    method: bytes = b"AUTHENTICATE",
) -> str:
    """The lower-case hex `response` value; with `method=b""` it is the server's `rspauth` instead."""
    return _kd(_hex_a1(ha1, nonce, cnonce, authzid), nonce, cnonce, nc, qop, digest_uri, method)


def _hex_a1(ha1: bytes, nonce: str, cnonce: str, authzid: str) -> str:
    a1 = ha1 + f":{nonce}:{cnonce}".encode()
    if authzid:
        a1 += b":" + authzid.encode("utf-8")
    return hashlib.md5(a1).hexdigest()


def _kd(hex_a1: str, nonce: str, cnonce: str, nc: str, qop: str, digest_uri: str, method: bytes) -> str:
    ha2 = hashlib.md5(method + b":" + digest_uri.encode("utf-8")).hexdigest()
    return hashlib.md5(f"{hex_a1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode()).hexdigest()


def ha1_candidates(user: str, realm: str, password: str) -> list[bytes]:
    """H(A1) as a client may have hashed it from clear text.

    RFC 2831 says a client converts strings to ISO 8859-1 when every character fits; many clients (curl,
    Perl's Authen::SASL) hash the UTF-8 bytes as they are. Both need the password, so either is accepted.
    Both are returned even when they are the same (an ASCII password): every user, known or not, costs the
    same number of checks, whatever characters the password has.
    """

    def fit(text: str) -> bytes:
        try:
            return text.encode("iso-8859-1")
        except UnicodeEncodeError:
            return text.encode("utf-8")

    rfc_form = hashlib.md5(b":".join((fit(user), fit(realm), fit(password)))).digest()
    raw_form = compute_ha1(user, realm, password)
    return [rfc_form, raw_form]


# --- Parsing ---


def quote(value: str) -> str:
    """A quoted-string for the challenge (backslash before `"` and `\\`)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The usual response: separators, then `key=token` or `key="text without escapes"`, and nothing else. Such a
# text is split by two regex passes; anything else (escapes, odd keys, errors) takes the careful parser
# below, which gives the same answer for the usual text (tests compare the two on random input).
# Possessive quantifiers: no backtracking, so a hostile 12 KB line costs linear time, and a token runs to
# the next comma exactly as in the careful parser.
_PAIR = r'([^=, "\t\r\n]++)[ \t]*+=[ \t]*+(?:"([^"\\]*+)"|([^,"]*+))'
_SIMPLE = re.compile(f"(?:[, \t\r\n]*+{_PAIR})*+[, \t\r\n]*+")
# findall without the separators in front: a search that starts on a separator fails at once, where one that
# first ate a run of separators and then failed was tried again from each of them (12 KB of commas: 70 ms).
_PAIRS = re.compile(_PAIR)


def parse_directives(text: str) -> dict[str, str]:
    """`key=value` pairs separated by commas and optional white space; values are tokens or quoted strings.

    Keys are returned in lower case. A key given twice, a missing `=` or an unterminated quote is an error.
    """
    if _SIMPLE.fullmatch(text):
        out: dict[str, str] = {}
        for key, quoted, token in _PAIRS.findall(text):
            key = key.lower()
            if key in out:
                raise DirectiveError(f"directive {key if key in _KNOWN else '(unknown)'} is given twice")
            # A token ends at the next comma and loses surrounding white space; `"..."` is taken as it is.
            out[key] = token.strip() if token else quoted
        return out
    return _parse_directives_carefully(text)


def _parse_directives_carefully(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in ", \t\r\n":
            pos += 1
        if pos >= end:
            return out
        eq = text.find("=", pos)
        if eq < 0:
            raise DirectiveError("a directive has no '='")
        key = text[pos:eq].strip().lower()
        if not key or any(ch in key for ch in ' ,"\t'):
            raise DirectiveError("a directive name is malformed")
        pos = eq + 1
        while pos < end and text[pos] in " \t":
            pos += 1
        if pos < end and text[pos] == '"':
            value, pos = _read_quoted(text, pos + 1)
        else:
            comma = text.find(",", pos)
            comma = end if comma < 0 else comma
            value, pos = text[pos:comma].strip(), comma
        if key in out:
            raise DirectiveError(f"directive {key if key in _KNOWN else '(unknown)'} is given twice")
        out[key] = value


def _read_quoted(text: str, pos: int) -> tuple[str, int]:
    close = text.find('"', pos)
    if close >= 0 and text.find("\\", pos, close) < 0:  # the usual value: no escapes, one slice
        return text[pos:close], close + 1
    chars: list[str] = []
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text):
            chars.append(text[pos + 1])
            pos += 2
        elif ch == '"':
            return "".join(chars), pos + 1
        else:
            chars.append(ch)
            pos += 1
    raise DirectiveError("a quoted value is not terminated")


# --- Single-use nonces ---


class NonceRegistry:
    """Nonces whose response has been seen, kept for `max_age` seconds and at most `capacity` entries.

    A nonce older than `max_age` is refused as stale, so forgetting it afterwards is safe. When the record is
    full, the oldest entry is dropped and every nonce issued at or before its time is refused from then on
    (the `floor`), so eviction can cost a late client a retry but never lets a replay through.
    """

    def __init__(self, max_age: float = 300.0, capacity: int = 100_000) -> None:
        self.max_age = max_age
        self.capacity = capacity
        self._used: OrderedDict[str, tuple[float, float]] = OrderedDict()  # nonce -> (issued, used)
        self._floor = float("-inf")
        self._lock = threading.Lock()

    def consume(self, nonce: str, issued_at: float, now: float) -> str | None:
        """Record a response to `nonce`; None when it may be used, else why not (for the log)."""
        with self._lock:
            self._forget_before(now - self.max_age)
            if now - issued_at > self.max_age or issued_at <= self._floor:
                return "stale nonce"
            if nonce in self._used:
                return "nonce already used"
            self._used[nonce] = (issued_at, now)
            while len(self._used) > self.capacity:
                _, (issued, _used) = self._used.popitem(last=False)
                self._floor = max(self._floor, issued)
            return None

    def __len__(self) -> int:
        return len(self._used)

    def _forget_before(self, horizon: float) -> None:
        # Entries are in the order they were used and a nonce is used after it is issued, so once the
        # oldest use is past the horizon its nonce is stale anyway.
        while self._used:
            _nonce, (_issued, used) = next(iter(self._used.items()))
            if used >= horizon:
                return
            self._used.popitem(last=False)


DEFAULT_NONCES = NonceRegistry()


def make_nonce(random: bytes, issued_at: float) -> str:
    """An opaque nonce that embeds its issue time, so the same string always means the same time."""
    raw = random + int(issued_at).to_bytes(8, "big", signed=True)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


# --- The mechanism ---


class DigestMd5Mechanism:
    name: ClassVar[str] = "DIGEST-MD5"

    def __init__(self, store: CredentialLookup, ctx: MechanismContext, *, nonces: NonceRegistry | None = None) -> None:
        self._store = store
        self._ctx = ctx
        self._nonces = DEFAULT_NONCES if nonces is None else nonces
        self._realm = ctx.realm or ctx.hostname
        self._state = "new"  # -> "response" (challenge sent) -> "ack" (rspauth sent) -> "over"
        self._nonce = ""
        self._issued_at = 0.0
        self._success: Success | None = None
        self._rspauth = b""

    def start(self, initial_response: bytes | None) -> Step:
        if self._state != "new":
            return self._end(EXCHANGE_OVER)
        if initial_response:  # RFC 2831 §2.1: the server speaks first; no initial response
            return self._end(Failure(FailureKind.MALFORMED, "DIGEST-MD5 takes no initial response"))
        self._issued_at = int(clock_source(self._ctx)())
        self._nonce = make_nonce(random_source(self._ctx)(16), self._issued_at)
        self._state = "response"
        challenge = f'realm={quote(self._realm)},nonce={quote(self._nonce)},qop="auth",charset=utf-8,algorithm=md5-sess'
        return Challenge(challenge.encode("utf-8"))

    def step(self, response: bytes) -> Step:
        if self._state == "response":
            result = self._check(response)
            if isinstance(result, Success):
                self._success = result
                self._state = "ack"
                return Challenge(self._rspauth, verdict=result)
            return self._end(result)
        if self._state == "ack" and self._success is not None:
            if response:
                return self._end(Failure(FailureKind.MALFORMED, "expected an empty reply to rspauth"))
            return self._end(self._success)
        return self._end(EXCHANGE_OVER)

    def _end(self, result: Step) -> Step:
        self._state = "over"
        return result

    def _check(self, response: bytes) -> Step:
        text = decode_utf8(response)
        if text is None:
            return Failure(FailureKind.MALFORMED, "DIGEST-MD5 response is not valid UTF-8")
        try:
            d = parse_directives(text)
        except DirectiveError as exc:
            return Failure(FailureKind.MALFORMED, f"DIGEST-MD5 response: {exc}")
        missing = [key for key in _REQUIRED if not d.get(key)]
        if missing:
            return Failure(FailureKind.MALFORMED, f"DIGEST-MD5 response lacks {', '.join(missing)}")
        user, realm, authzid = d["username"], d.get("realm", ""), d.get("authzid", "")
        qop = d.get("qop", "auth")
        digest = d["response"].lower()
        if len(digest) != 32 or not _HEX_DIGITS.issuperset(digest):
            return Failure(FailureKind.MALFORMED, "DIGEST-MD5 response value is not 32 hex digits", user)
        if qop != "auth":
            return Failure(FailureKind.MALFORMED, "only qop=auth is offered", user)
        if d.get("charset", "utf-8").lower() != "utf-8":
            return Failure(FailureKind.MALFORMED, "only charset=utf-8 is offered", user)
        if not hmac.compare_digest(d["nonce"].encode("utf-8"), self._nonce.encode("ascii")):
            return Failure(FailureKind.CREDENTIALS, "nonce is not the one issued", user)
        refused = self._nonces.consume(self._nonce, self._issued_at, clock_source(self._ctx)())
        if refused:
            return Failure(FailureKind.CREDENTIALS, refused, user)
        if not _is_first_count(d["nc"]):
            return Failure(FailureKind.CREDENTIALS, "nonce count is not 00000001", user)
        if not d["digest-uri"].lower().startswith("smtp/"):
            return Failure(FailureKind.CREDENTIALS, "digest-uri is not for the smtp service", user)
        if realm not in (self._realm, ""):
            return Failure(FailureKind.CREDENTIALS, "realm is not the one offered", user)
        if authzid and authzid != user:
            return Failure(FailureKind.CREDENTIALS, "authzid differs from authcid", user)
        secrets = self._secrets(user, realm)
        if isinstance(secrets, Failure):
            return secrets
        known = secrets is not None
        # An unknown user is checked against a dummy H(A1), exactly as a wrong password is: the same hashes
        # and comparisons, so the time taken does not tell which names exist.
        candidates = secrets if secrets is not None else self._dummy_secrets(user, realm)
        nc, cnonce, uri = d["nc"], d["cnonce"], d["digest-uri"]
        nonce = self._nonce
        for ha1 in candidates:
            hex_a1 = _hex_a1(ha1, nonce, cnonce, authzid)  # shared by the check and rspauth
            expected = _kd(hex_a1, nonce, cnonce, nc, "auth", uri, b"AUTHENTICATE")
            if hmac.compare_digest(digest.encode("ascii"), expected.encode("ascii")) and known:
                rspauth = _kd(hex_a1, nonce, cnonce, nc, "auth", uri, b"")
                self._rspauth = b"rspauth=" + rspauth.encode("ascii")
                return Success(user, authzid)
        return Failure(FailureKind.CREDENTIALS, "wrong password" if known else "unknown user", user)

    def _dummy_secrets(self, user: str, realm: str) -> list[bytes]:
        """What `_secrets` would give for a user with a password nobody knows (per process, random)."""
        if self._ctx.stored_cleartext:
            return ha1_candidates(user, realm, _DUMMY_PASSWORD)
        return [_DUMMY_HA1]

    def _secrets(self, user: str, realm: str) -> list[bytes] | Failure | None:
        """The H(A1) values that may match: hashed from clear text, or as the digest store holds it; None
        for an unknown user."""
        kind = SecretKind.CLEARTEXT if self._ctx.stored_cleartext else SecretKind.DIGEST_HA1
        if kind not in self._store.secret_kinds:
            return Failure(FailureKind.TEMPORARY, f"the credential store holds no {kind.value} secrets", user)
        try:
            if self._ctx.stored_cleartext:
                password = self._store.cleartext(user)
                return None if password is None else ha1_candidates(user, realm, password)
            ha1 = self._store.digest_ha1(user, realm)
        except StoreUnavailable:
            return Failure(FailureKind.TEMPORARY, "the credential store could not answer", user)
        return None if ha1 is None else [ha1]


def _is_first_count(nc: str) -> bool:
    """nc is 8 hex digits; only the first use of a nonce (00000001) is accepted."""
    return len(nc) == 8 and _HEX_DIGITS.issuperset(nc.lower()) and int(nc, 16) == 1
