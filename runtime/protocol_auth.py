"""The AUTH half of the sans-IO protocol: what an exchange's results do to the session (RFC 4954).

Rule of this room: part of `SmtpConnection` (protocol.py), split out by subject; the same rule holds — no I/O,
no clock, no waiting. The dialogue's memory lives in authdialogue.py and one exchange's wire form in
authflow.py; here their results become replies, events and state moves: a challenge is sent, a verdict 334
is held (AuthVerdict), costly work is handed to the driver (Offload, answered by `computed()`), and a
finished exchange moves the session on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import replies
from .authdialogue import AuthDialogue
from .authflow import Judged, Outcome, Result
from .events import Event, Offload, ValidationContext
from .replies import Reply
from .state import AUTH_STATES, COMPUTED, END_AUTH, OFFLOAD, State


class AuthSteps:
    """Mixed into SmtpConnection, whose slots hold the other attributes named below."""

    __slots__ = ("_verdict_at",)  # where in _out the AUTH answer being held starts (refuse_verdict)
    _verdict_at: int
    _auth: AuthDialogue
    _events: list[Event]
    _out: bytearray
    state: State

    if TYPE_CHECKING:  # provided by SmtpConnection

        def _send(self, reply: Reply) -> None: ...
        def _move(self, event: str) -> None: ...
        def _close(self, reason: str) -> None: ...
        def _set_context(self, context: ValidationContext) -> None: ...

    def computed(self, value: object, error: BaseException | None = None) -> None:
        """The driver ran the work of the last Offload: `value` is what it returned, `error` what it raised.
        A session that ended meanwhile (closed, shut down) ignores it."""
        if self.state is not State.COMPUTING:
            return
        self._move(COMPUTED)
        self._auth_result(self._auth.computed(value, error))

    def _auth_response(self, line: bytes) -> None:
        self._auth_result(self._auth.respond(line))

    def _auth_result(self, result: Result) -> None:
        if isinstance(result, Reply):
            self._send(result)  # 334 challenge; stay in the exchange
        elif isinstance(result, Judged):  # a 334 that gives the verdict away: the driver holds it
            self._verdict_at = len(self._out)
            self._send(result.reply)
            self._events.append(self._auth.verdict())
        elif isinstance(result, Offload):  # input waits (COMPUTING) until the driver calls computed()
            self._move(OFFLOAD)
            self._events.append(result)
        else:
            self._finish_auth(result)

    def refuse_verdict(self) -> None:
        """The driver may not give this AUTH answer (its address has no slot within the penalty's cap): the
        verdict is taken back unsent, decided without looking at it, and the session ends with 421."""
        if self._verdict_at < 0 or self.state is State.CLOSED:
            return
        del self._out[self._verdict_at :]
        self._events.clear()
        self._abandon_auth(timeout=False)  # refused inside an exchange: the log still hears of it
        self._send(replies.TOO_MANY_AUTH_FAILURES)
        self._close("AUTH refused: too many attempts from this address")

    def _finish_auth(self, outcome: Outcome) -> None:
        event, spent = self._auth.finish(outcome)
        self._move(END_AUTH)
        self._verdict_at = len(self._out)
        self._send(outcome.reply)
        self._set_context(ValidationContext(event.mechanism, outcome.status, outcome.user))
        self._events.append(event)
        if spent:
            self._send(replies.TOO_MANY_AUTH_FAILURES)
            self._close("too many authentication failures")

    def _abandon_auth(self, timeout: bool) -> None:
        if self.state in AUTH_STATES and (event := self._auth.abandon(timeout)) is not None:
            self._events.append(event)
