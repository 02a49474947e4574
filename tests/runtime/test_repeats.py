"""repeats.py: the same complaint again only after the quiet interval, a changed one at once."""

from __future__ import annotations

from ecconf.runtime.repeats import Repeats


def test_a_complaint_is_said_once_per_interval_and_again_when_it_changes() -> None:
    now = [0.0]
    repeats = Repeats(lambda: now[0], interval=300.0)
    assert repeats.due("file:a", "missing")
    now[0] = 299.0
    assert not repeats.due("file:a", "missing")
    assert repeats.due("file:b", "missing")  # another subject has its own
    assert repeats.due("file:a", "malformed")  # news
    now[0] = 600.0
    assert repeats.due("file:a", "malformed")  # the interval has passed: a reminder
    assert repeats.clear("file:a") and not repeats.clear("file:a")
    assert repeats.due("file:a", "malformed")
