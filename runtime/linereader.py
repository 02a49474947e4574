"""Taking command lines (and AUTH response lines) out of the input buffer.

Rule of this room: bounded and unambiguous. Nothing longer than MAX_PENDING_LINE is ever buffered while
waiting for a line end: an endless line is answered `500 5.5.6` once and its tail skipped up to the next
line end. A line longer than the limit its caller gives is refused the same way. Line ends follow the
session's `bare_lf` mode: "accept" takes a bare LF as a line end (RFC 5321 §2.3.8 says servers should not,
but widespread clients send them; DATA never *ends* on one, see datareader.py); "reject" ends the session
on any CR or LF that is not part of a CRLF, so no two parties can disagree about where a line ends.
A line also has a deadline: `time_left()` counts from when its first bytes were seen, so a client that
trickles one byte at a time cannot stretch a line past the budget by re-arming an idle timer per byte.
"""

from __future__ import annotations

from collections.abc import Callable

from . import replies
from .commands import MAX_PENDING_LINE
from .replies import ProtocolViolation


def bare_line_end() -> ProtocolViolation:
    return ProtocolViolation(replies.BARE_LINE_END, fatal=True)


def _no_clock() -> float:
    return 0.0  # time stands still: a line never runs out of time


class LineReader:
    __slots__ = ("_clock", "_discarding", "started", "strict")

    def __init__(self, strict: bool, clock: Callable[[], float] = _no_clock) -> None:
        self.strict = strict  # bare_lf = "reject"
        self._discarding = False  # skipping the tail of an over-long line
        self._clock = clock
        # When the incomplete line at the buffer's head was first seen; None between lines (the protocol
        # reads it before asking time_left: a call saved on every wait for input).
        self.started: float | None = None

    def time_left(self, budget: float) -> float:
        """Seconds the line under way may still take, of `budget` for the whole line; all of it between lines."""
        if self.started is None:
            return budget
        return max(0.0, min(budget, self.started + budget - self._clock()))

    def take(self, buf: bytearray, limit: int) -> bytes | None:
        """Remove and return the next line of `buf` with its line end; None while it is incomplete."""
        while self._discarding:
            nl = buf.find(b"\n")
            if nl < 0:
                buf.clear()
                return None  # the over-long line's clock keeps running
            del buf[: nl + 1]
            self._discarding = False
            self.started = None
        nl = buf.find(b"\n")
        if nl < 0:
            if self.started is None:
                self.started = self._clock()
            if len(buf) > MAX_PENDING_LINE:
                buf.clear()
                self._discarding = True
                raise ProtocolViolation(replies.LINE_TOO_LONG)
            return None
        self.started = None
        line = bytes(buf[: nl + 1])
        del buf[: nl + 1]
        if self.strict and (not line.endswith(b"\r\n") or b"\r" in line[:-2]):
            raise bare_line_end()
        if len(line) > limit:
            raise ProtocolViolation(replies.LINE_TOO_LONG)
        return line
