"""LOGIN (the unregistered but universal mechanism): ask "Username:", then "Password:", then check.

Rule of this room: the same checks as PLAIN (constant-time compare, UTF-8 only); an initial response is the
user name, so the exchange then starts at "Password:".
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
    decode_utf8,
)
from .plain import verify_password

USERNAME_PROMPT = b"Username:"
PASSWORD_PROMPT = b"Password:"


class LoginMechanism:
    name: ClassVar[str] = "LOGIN"

    def __init__(self, store: CredentialLookup, ctx: MechanismContext) -> None:
        self._store = store
        self._ctx = ctx
        # "new" -> "user" (asked for the user name) -> "password" (asked for the password) -> "over"
        self._state = "new"
        self._user = ""

    def start(self, initial_response: bytes | None) -> Step:
        if self._state != "new":
            return self._end(EXCHANGE_OVER)
        if initial_response is None:
            self._state = "user"
            return Challenge(USERNAME_PROMPT)
        return self._take_user(initial_response)

    def step(self, response: bytes) -> Step:
        if self._state == "user":
            return self._take_user(response)
        if self._state == "password":
            return self._take_password(response)
        return self._end(EXCHANGE_OVER)

    def _take_user(self, data: bytes) -> Step:
        user = decode_utf8(data)
        if user is None:
            return self._end(Failure(FailureKind.MALFORMED, "LOGIN user name is not valid UTF-8"))
        if not user:
            return self._end(Failure(FailureKind.MALFORMED, "LOGIN user name is empty"))
        self._user = user
        self._state = "password"
        return Challenge(PASSWORD_PROMPT)

    def _take_password(self, data: bytes) -> Step:
        password = decode_utf8(data)
        if password is None:
            return self._end(Failure(FailureKind.MALFORMED, "LOGIN password is not valid UTF-8", self._user))
        if not password:
            return self._end(Failure(FailureKind.MALFORMED, "LOGIN password is empty", self._user))
        return self._end(verify_password(self._store, self._user, password, "", False))

    def _end(self, result: Step) -> Step:
        self._state = "over"
        return result
