"""Time stamps for headers and records, each second formatted once.

Rule of this room: pure formatting of a unix time, no clock of its own. A busy server stamps the same second
on many messages (Received, Date, the envelope record's `received`); strftime and gmtime cost about two
microseconds a call on the hosts we measure, so each format keeps the last second it formatted. The memo is
one tuple, replaced whole, so the loop's thread and the disk thread may share it without a lock.
"""

from __future__ import annotations

import math
import time


class PerSecond:
    """`strftime(format)` of a unix time's whole second (UTC), formatted once per second seen last."""

    __slots__ = ("_format", "_last")

    def __init__(self, format: str) -> None:
        self._format = format
        self._last: tuple[int, str] = (-(2**62), "")

    def __call__(self, when: float) -> str:
        second = math.floor(when)  # gmtime floors too, before 1970 as after
        last = self._last
        if last[0] == second:
            return last[1]
        text = time.strftime(self._format, time.gmtime(second))
        self._last = (second, text)
        return text


rfc5322 = PerSecond("%a, %d %b %Y %H:%M:%S +0000")  # RFC 5322 §3.3 date-time, in UTC
iso8601 = PerSecond("%Y-%m-%dT%H:%M:%SZ")  # RFC 3339, UTC, whole seconds
