"""Say a standing problem once, not at every retry: the same complaint about the same thing again only after
a quiet interval, and at once when it changes.

Rule of this room: pure bookkeeping with an injected clock, no logging of its own. A password file that goes
missing is retried every --refresh-interval (2 s); logging each retry wrote 786 lines in 13 minutes, which
buried everything else and told nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Callable

REPEAT_AFTER = 300.0  # seconds before an unchanged complaint is said again


class Repeats:
    def __init__(self, clock: Callable[[], float] = time.monotonic, interval: float = REPEAT_AFTER) -> None:
        self._clock = clock
        self._interval = interval
        self._said: dict[str, tuple[str, float]] = {}  # subject -> (complaint, when it was last said)

    def due(self, subject: str, complaint: str) -> bool:
        """Whether to say `complaint` about `subject` now (and, if so, it counts as said)."""
        now = self._clock()
        said = self._said.get(subject)
        if said is not None and said[0] == complaint and now - said[1] < self._interval:
            return False
        self._said[subject] = (complaint, now)
        return True

    def clear(self, subject: str) -> bool:
        """The problem is over; whether there was one (so the recovery can be said)."""
        return self._said.pop(subject, None) is not None
