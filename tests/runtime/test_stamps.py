"""Time stamps formatted once a second: the memo never gives another second's text."""

from __future__ import annotations

import time

import pytest

from ecconf.runtime import stamps


@pytest.mark.parametrize("format_of", [stamps.rfc5322, stamps.iso8601])
def test_every_time_gets_its_own_second_whatever_came_before(format_of):
    pattern = {stamps.rfc5322: "%a, %d %b %Y %H:%M:%S +0000", stamps.iso8601: "%Y-%m-%dT%H:%M:%SZ"}[format_of]
    # Back and forth across second and day boundaries, the same second twice, and before 1970.
    times = [1700000000.0, 1700000000.999, 1700000001.0, 1700000000.5, 86399.9, 86400.0, -0.5, -1.0, 0.0, 0.25]
    for when in times:
        assert format_of(when) == time.strftime(pattern, time.gmtime(when)), when


def test_the_documented_forms():
    assert stamps.rfc5322(0.0) == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert stamps.iso8601(1700000000.75) == "2023-11-14T22:13:20Z"
