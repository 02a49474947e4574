"""The client side of the four SASL mechanisms the load client speaks, written from their RFCs.

Rule of this room: pure functions of the server's challenges, the credentials and a random source; no
sockets. Each mechanism is a `ClientMechanism`: `initial()` gives the initial response to put on the AUTH
line (None: send none), `respond(challenge)` the answer to one decoded 334 challenge. A server answer that
the RFC says must not happen (a DIGEST-MD5 rspauth that does not match) raises `SaslError`.

- PLAIN (RFC 4616): one message, `authzid NUL authcid NUL passwd`, sent as the initial response.
- LOGIN (the de-facto draft): the user name, then the password, each as the answer to a prompt.
- CRAM-MD5 (RFC 2195): `user SP hex(HMAC-MD5(password, challenge))`.
- DIGEST-MD5 (RFC 2831 §2.1): the digest-response to the server's digest-challenge, then a check of the
  server's `rspauth`, then an empty response.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable


class SaslError(Exception):
    """The server's challenge is not what the mechanism's RFC allows."""


class ClientMechanism:
    name = ""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def initial(self) -> bytes | None:
        return None

    def respond(self, challenge: bytes) -> bytes:
        raise SaslError(f"{self.name}: unexpected challenge")


class Plain(ClientMechanism):
    name = "PLAIN"

    def initial(self) -> bytes | None:
        return b"\0" + self.user.encode() + b"\0" + self.password.encode()


class Login(ClientMechanism):
    name = "LOGIN"

    def __init__(self, user: str, password: str) -> None:
        super().__init__(user, password)
        self._answers = [user.encode(), password.encode()]

    def respond(self, challenge: bytes) -> bytes:
        if not self._answers:
            raise SaslError("LOGIN: a third prompt")
        return self._answers.pop(0)


class CramMd5(ClientMechanism):
    name = "CRAM-MD5"

    def respond(self, challenge: bytes) -> bytes:
        digest = hmac.new(self.password.encode(), challenge, hashlib.md5).hexdigest()
        return self.user.encode() + b" " + digest.encode()


# RFC 2831 §7.1: `key=value` or `key="quoted value"` pairs, separated by commas.
_PAIR = re.compile(rb'\s*([A-Za-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?')


def parse_directives(text: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for match in _PAIR.finditer(text):
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if b"\\" in value:  # quoted-pair (rare): undo the escapes
            value = re.sub(rb"\\(.)", rb"\1", value)
        out[match.group(1).decode().lower()] = value
    return out


def _h(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def _hex(data: bytes) -> bytes:
    return hashlib.md5(data).hexdigest().encode()


class DigestMd5(ClientMechanism):
    name = "DIGEST-MD5"

    def __init__(self, user: str, password: str, random_bytes: Callable[[int], bytes] = os.urandom) -> None:
        super().__init__(user, password)
        self._random = random_bytes
        self._expected_rspauth: bytes | None = None

    def respond(self, challenge: bytes) -> bytes:
        if self._expected_rspauth is None:
            return self._digest_response(challenge)
        rspauth = parse_directives(challenge).get("rspauth")
        if rspauth != self._expected_rspauth:
            raise SaslError("DIGEST-MD5: the server's rspauth does not prove it knows the password")
        return b""  # RFC 2831 §2.1.3: the client's last message is empty

    def _digest_response(self, challenge: bytes) -> bytes:
        fields = parse_directives(challenge)
        nonce = fields.get("nonce")
        if not nonce or b"auth" not in fields.get("qop", b"auth").split(b","):
            raise SaslError("DIGEST-MD5: challenge without a nonce or without qop=auth")
        realm = fields.get("realm", b"")
        cnonce = self._random(16).hex().encode()
        nc, qop = b"00000001", b"auth"
        digest_uri = b"smtp/" + (realm or b"localhost")
        # §2.1.2.1: A1 = H(user:realm:passwd) ":" nonce ":" cnonce, with H the raw 16-byte MD5.
        a1 = _h(b":".join((self.user.encode(), realm, self.password.encode()))) + b":" + nonce + b":" + cnonce
        ha1 = _hex(a1)

        def kd(a2: bytes) -> bytes:
            return _hex(b":".join((ha1, nonce, nc, cnonce, qop, _hex(a2))))

        response = kd(b"AUTHENTICATE:" + digest_uri)
        self._expected_rspauth = kd(b":" + digest_uri)  # §2.1.3: A2 without "AUTHENTICATE"
        parts = [
            b'username="' + self.user.encode() + b'"',
            b'realm="' + realm + b'"',
            b'nonce="' + nonce + b'"',
            b'cnonce="' + cnonce + b'"',
            b"nc=" + nc,
            b"qop=" + qop,
            b'digest-uri="' + digest_uri + b'"',
            b"response=" + response,
            b"charset=utf-8",
        ]
        return b",".join(parts)


MECHANISMS: dict[str, type[ClientMechanism]] = {m.name: m for m in (Plain, Login, CramMd5, DigestMd5)}


def client(name: str, user: str, password: str) -> ClientMechanism:
    return MECHANISMS[name.upper()](user, password)
