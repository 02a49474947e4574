"""DATA reading: the end marker, dot-unstuffing, long lines, the size limit — also fed byte by byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecconf.runtime import replies
from ecconf.runtime.datareader import DataReader
from ecconf.runtime.replies import ProtocolViolation


def read(data: bytes, limit: int = 0, bytewise: bool = False, strict: bool = False) -> tuple[DataReader, bool, bytes]:
    reader, buf, done = DataReader(limit, strict=strict), bytearray(), False
    chunks = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
    for chunk in chunks:
        buf += chunk
        if reader.consume(buf):
            done = True
            break
    return reader, done, bytes(buf)


@pytest.mark.parametrize("bytewise", [False, True])
def test_end_marker_and_trailing_data(bytewise):
    reader, done, rest = read(b"a\r\n..b\r\n.\r\nQUIT\r\n", bytewise=bytewise)
    assert done and reader.message() == b"a\n.b\n"
    assert rest == (b"" if bytewise else b"QUIT\r\n")


@pytest.mark.parametrize(
    "data",
    [b"x\n.\n", b"x\n.\r\n", b"x\r\n.\n", b"x\r.\r\n", b".\n", b"x\r\n.x\r\n"],
    ids=["lf-dot-lf", "lf-dot-crlf", "crlf-dot-lf", "cr-dot-crlf", "dot-lf-first", "dot-text"],
)
@pytest.mark.parametrize("bytewise", [False, True])
def test_smuggled_end_markers_are_content(data, bytewise):
    _reader, done, _rest = read(data, bytewise=bytewise)
    assert not done


@pytest.mark.parametrize(
    "data, kept",
    [(b"x\n.\nQUIT\r\n", b"x\n.\nQUIT\n"), (b"x\r\n.\ny\r\n", b"x\n.\ny\n"), (b"x\r.\ry\r\n", b"x\r.\ry\n")],
    ids=["lf-dot-lf", "crlf-dot-lf", "cr-dot-cr"],
)
def test_lenient_mode_keeps_a_lone_dot_that_did_not_end_the_message(data, kept):
    reader, done, _ = read(data + b".\r\n")
    assert done and reader.message() == kept


@pytest.mark.parametrize(
    "data",
    [b"x\n.\n", b"x\r\n.\n", b"x\r.\r\n", b"a\rb\r\n", b"line\n", b"y" * 9000 + b"\r" + b"z" * 10],
    ids=["lf-dot-lf", "crlf-dot-lf", "cr-dot-crlf", "bare-cr", "bare-lf", "bare-cr-in-a-long-line"],
)
@pytest.mark.parametrize("bytewise", [False, True])
def test_strict_mode_refuses_bare_cr_and_lf(data, bytewise):
    with pytest.raises(ProtocolViolation) as refused:
        read(data + b"\r\n.\r\n", strict=True, bytewise=bytewise)
    assert refused.value.fatal and refused.value.reply is replies.BARE_LINE_END


def test_strict_mode_accepts_crlf_content_and_a_crlf_split_across_reads():
    reader, done, _ = read(b"a\r\n..b\r\n" + b"z" * 9000 + b"\r\n.\r\n", strict=True, bytewise=False)
    assert done and reader.message() == b"a\n.b\n" + b"z" * 9000 + b"\n"
    reader, buf = DataReader(0, strict=True), bytearray(b"z" * 9000 + b"\r")
    assert not reader.consume(buf)
    buf += b"\n.\r\n"
    assert reader.consume(buf)


def test_memory_never_holds_more_than_the_limit():
    reader, buf = DataReader(1000), bytearray()
    for _ in range(200):
        buf += b"x" * 100 + b"\r\n"
        reader.consume(buf)
        assert sum(map(len, reader._lines)) + len(reader._partial) <= 1000
    buf += b".\r\n"
    assert reader.consume(buf) and reader.too_big


def test_empty_message():
    reader, done, _ = read(b".\r\n")
    assert done and reader.message() == b""


def test_long_lines_are_taken_in_pieces_and_stay_whole():
    line = b"." + b"y" * 50000
    reader, buf = DataReader(0), bytearray(line)
    assert not reader.consume(buf)
    assert len(buf) == 1  # only the last byte waits, the rest is already taken
    buf += b"\r\n.\r\n"
    assert reader.consume(buf)
    assert reader.message() == b"y" * 50000 + b"\n"  # unstuffed once, at the real line start


def test_crlf_split_across_pieces():
    reader, buf = DataReader(0), bytearray(b"z" * 9000 + b"\r")
    reader.consume(buf)
    buf += b"\n.\r\n"
    assert reader.consume(buf) and reader.message() == b"z" * 9000 + b"\n"


def test_size_limit_drops_content_but_finds_the_end():
    reader, done, _ = read(b"a" * 60 + b"\r\n" + b"b" * 60 + b"\r\n.\r\n", limit=100)
    assert done and reader.too_big and reader.message() == b""
    assert reader.size == 124


def test_exactly_at_the_limit_is_accepted():
    reader, done, _ = read(b"a" * 98 + b"\r\n.\r\n", limit=100)
    assert done and not reader.too_big and reader.message() == b"a" * 98 + b"\n"


@given(
    lines=st.lists(
        st.binary(max_size=20).filter(lambda b: b"\n" not in b)
        | st.integers(8185, 8200).map(lambda n: b"." + b"y" * n + b"\r"),  # long lines go in pieces
        max_size=6,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=20000), max_size=10),
)
def test_any_chunking_gives_the_same_message(lines, cuts):
    data = b"".join(line + b"\r\n" for line in lines) + b".\r\nNEXT"
    whole, done_whole, rest_whole = read(data)
    reader, buf, done, fed = DataReader(0), bytearray(), False, 0
    for cut in [*sorted({c for c in cuts if c < len(data)}), len(data)]:
        buf += data[fed:cut]
        fed = cut
        if reader.consume(buf):
            done = True
            break
    buf += data[fed:]
    assert done == done_whole
    assert reader.message() == whole.message()
    assert bytes(buf) == rest_whole


@given(
    lines=st.lists(
        st.binary(max_size=12)
        .filter(lambda b: b"\n" not in b and b"\r" not in b and b != b".")
        .map(
            lambda b: b"." + b if b[:1] == b"." else b  # plenty of dot-stuffed lines
        ),
        max_size=8,
    )
)
def test_clean_content_in_bulk_matches_line_by_line_unstuffing(lines):
    # The usual message (CRLF lines only) is taken in bulk; each line still loses exactly one leading dot.
    data = b"".join(line + b"\r\n" for line in lines) + b".\r\n"
    unstuffed = [line[1:] if line[:1] == b"." else line for line in lines]
    for bytewise in (False, True):
        reader, done, _ = read(data, bytewise=bytewise)
        assert done
        assert reader.message() == b"".join(line + b"\n" for line in unstuffed)
        assert reader.size == sum(len(line) + 2 for line in unstuffed)
