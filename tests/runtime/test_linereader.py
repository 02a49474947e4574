"""Command lines: bounded buffering, over-long lines, and the two bare-LF modes."""

from __future__ import annotations

import pytest

from ecconf.runtime import replies
from ecconf.runtime.commands import MAX_PENDING_LINE
from ecconf.runtime.linereader import LineReader
from ecconf.runtime.replies import ProtocolViolation


def test_complete_lines_come_out_one_at_a_time():
    reader, buf = LineReader(strict=False), bytearray(b"NOOP\r\nQUIT\r\nHALF")
    assert reader.take(buf, 512) == b"NOOP\r\n"
    assert reader.take(buf, 512) == b"QUIT\r\n"
    assert reader.take(buf, 512) is None and buf == b"HALF"


def test_limit_counts_the_line_end():
    reader = LineReader(strict=False)
    assert reader.take(bytearray(b"x" * 510 + b"\r\n"), 512) is not None
    with pytest.raises(ProtocolViolation) as refused:
        reader.take(bytearray(b"x" * 511 + b"\r\n"), 512)
    assert refused.value.reply is replies.LINE_TOO_LONG and not refused.value.fatal


def test_an_endless_line_is_never_buffered_beyond_the_bound():
    reader, buf = LineReader(strict=False), bytearray()
    refusals = 0
    for _ in range(100):  # 100 x 4 KiB without a line end
        buf += b"A" * 4096
        try:
            assert reader.take(buf, 512) is None
        except ProtocolViolation:
            refusals += 1
        assert len(buf) <= MAX_PENDING_LINE + 4096
    assert refusals == 1  # answered once, then the tail is skipped up to the next line end
    buf += b"tail\r\nNOOP\r\n"
    assert reader.take(buf, 512) == b"NOOP\r\n"


def test_lenient_mode_takes_a_bare_lf_as_a_line_end():
    assert LineReader(strict=False).take(bytearray(b"NOOP\n"), 512) == b"NOOP\n"


@pytest.mark.parametrize("line", [b"NOOP\n", b"NO\rOP\r\n", b"NOOP\r\r\n", b"\n"])
def test_strict_mode_ends_the_session_on_any_bare_cr_or_lf(line):
    with pytest.raises(ProtocolViolation) as refused:
        LineReader(strict=True).take(bytearray(line), 512)
    assert refused.value.fatal and refused.value.reply is replies.BARE_LINE_END
    assert LineReader(strict=True).take(bytearray(b"NOOP\r\n"), 512) == b"NOOP\r\n"
