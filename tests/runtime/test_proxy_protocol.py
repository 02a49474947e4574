"""The PROXY header reader (sans-IO): v1 and v2 as HAProxy and load balancers send them, every way a header
can be wrong, pieces of any size, and a property: arbitrary bytes raise nothing but ProxyHeaderError and
never make it hold more than its bound."""

from __future__ import annotations

import ipaddress
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.runtime.proxy_protocol import (
    MAX_HEADER,
    V1_MAX,
    V2_MAX_BODY,
    V2_SIGNATURE,
    HeaderReader,
    ProxyHeader,
    ProxyHeaderError,
)


def v2(command: int = 0x21, family: int = 0x11, body: bytes | None = None, tlvs: bytes = b"") -> bytes:
    if body is None:
        body = ipaddress.IPv4Address("192.0.2.7").packed + ipaddress.IPv4Address("10.0.0.5").packed
        body += struct.pack("!HH", 40000, 25)
    body += tlvs
    return V2_SIGNATURE + bytes([command, family]) + struct.pack("!H", len(body)) + body


def read(data: bytes, step: int | None = None) -> tuple[ProxyHeader | None, HeaderReader]:
    reader = HeaderReader()
    step = step or len(data) or 1
    header = None
    for at in range(0, len(data), step):
        header = reader.feed(data[at : at + step])
        if header is not None:
            break
    return header, reader


@pytest.mark.parametrize("step", [None, 1, 7])
def test_v1_tcp4_names_the_client_and_keeps_what_follows(step: int | None) -> None:
    header, reader = read(b"PROXY TCP4 192.0.2.7 10.0.0.5 40000 25\r\nEHLO early\r\n", step)
    assert header is not None and header.version == 1 and header.family == "TCP4"
    assert header.source == ("192.0.2.7", 40000) and header.destination == ("10.0.0.5", 25)
    if step is None:
        assert reader.rest == b"EHLO early\r\n"


def test_v1_tcp6_and_unknown() -> None:
    header, _ = read(b"PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n")
    assert header is not None and header.source == ("2001:db8::7", 1)
    header, _ = read(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")
    assert header is not None and header.family == "UNKNOWN" and header.source is None


def test_v1_at_its_longest_is_read_and_one_byte_more_is_oversized() -> None:
    line = b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
    assert len(line) <= V1_MAX
    header, _ = read(line)
    assert header is not None and header.source == ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)
    with pytest.raises(ProxyHeaderError, match="longer than 107"):
        read(b"PROXY UNKNOWN " + b"x" * V1_MAX)


@pytest.mark.parametrize(
    "line",
    [
        b"PROXY TCP4 192.0.2.7 10.0.0.5 40000\r\n",  # a field missing
        b"PROXY TCP4 192.0.2.7  10.0.0.5 40000 25\r\n",  # two spaces
        b"PROXY TCP4 2001:db8::7 10.0.0.5 40000 25\r\n",  # the wrong family
        b"PROXY TCP4 192.0.2.777 10.0.0.5 40000 25\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.5 65536 25\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.5 040000 25\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.5 -1 25\r\n",
        b"PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n",  # a scope id is the proxy's interface
        b"PROXY TCP5 192.0.2.7 10.0.0.5 40000 25\r\n",
        b"PROXY TCP4 192.0.2.7\n10.0.0.5 40000 25\r\n",
        b"PROXY \r\n",
        b"PROXYTCP4\r\n",
        b"proxy TCP4 192.0.2.7 10.0.0.5 40000 25\r\n",
    ],
)
def test_malformed_v1_lines_are_refused(line: bytes) -> None:
    with pytest.raises(ProxyHeaderError):
        read(line)


def test_v2_tcp4_tcp6_with_tlvs_skipped() -> None:
    tlvs = bytes([0x05]) + struct.pack("!H", 4) + b"uniq" + bytes([0x04, 0, 0])  # UNIQUE_ID, NOOP
    header, reader = read(v2(tlvs=tlvs) + b"rest")
    assert header is not None and header.version == 2 and header.command == "PROXY"
    assert header.source == ("192.0.2.7", 40000) and reader.rest == b"rest"
    six = ipaddress.IPv6Address("2001:db8::7").packed + ipaddress.IPv6Address("2001:db8::1").packed
    header, _ = read(v2(family=0x21, body=six + struct.pack("!HH", 5, 587)), step=1)
    assert header is not None and header.family == "TCP6" and header.source == ("2001:db8::7", 5)


def test_v2_local_unspec_and_unix_name_no_client() -> None:
    header, _ = read(v2(command=0x20, family=0x00, body=b""))
    assert header is not None and header.command == "LOCAL" and header.source is None
    header, _ = read(v2(family=0x00, body=b""))
    assert header is not None and header.family == "UNSPEC" and header.source is None
    header, _ = read(v2(family=0x31, body=b"/tmp/a".ljust(108, b"\0") + b"/tmp/b".ljust(108, b"\0")))
    assert header is not None and header.family == "UNIX" and header.source is None
    header, _ = read(v2(family=0x12))  # TCP4 addresses of a datagram
    assert header is not None and header.source is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (v2(command=0x11), "version/command"),  # version 1 in a binary header
        (v2(command=0x22), "version/command"),
        (v2(family=0x41), "family"),
        (v2(family=0x13), "family"),
        (v2(family=0x21), "too short"),  # IPv6 family, IPv4-sized addresses
        (v2(tlvs=bytes([0x05, 0, 9]) + b"abc"), "TLV longer"),
        (v2(tlvs=bytes([0x05, 0])), "truncated TLV"),
        (V2_SIGNATURE + b"\x21\x11" + struct.pack("!H", V2_MAX_BODY + 1), "more than"),
        (b"\r\n\r\n\x00\r\nQUIX\n", "does not start"),
        (b"EHLO client\r\n", "does not start"),
        (b"\x16\x03\x01\x02\x00", "does not start"),  # a TLS ClientHello where the header should be
    ],
)
def test_malformed_v2_and_strangers_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ProxyHeaderError, match=reason):
        read(data, step=1)


def test_an_oversized_v2_length_is_refused_before_its_body_comes() -> None:
    reader = HeaderReader()
    with pytest.raises(ProxyHeaderError, match="more than"):
        reader.feed(V2_SIGNATURE + b"\x21\x11\xff\xff")


def test_a_partial_header_asks_for_more() -> None:
    reader = HeaderReader()
    assert reader.feed(b"PROXY TCP4 192.0.2.7 ") is None
    assert reader.feed(b"10.0.0.5 1 2\r") is None
    header = reader.feed(b"\n")
    assert header is not None and header.source == ("192.0.2.7", 1)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12), st.sampled_from([b"", b"PROXY ", V2_SIGNATURE[:12]]))
def test_arbitrary_bytes_raise_only_its_error_and_stay_within_the_bound(pieces: list[bytes], lead: bytes) -> None:
    reader = HeaderReader()
    total = lead + b"".join(pieces)
    fed = b""
    for piece in [lead, *pieces]:
        try:
            header = reader.feed(piece)
        except ProxyHeaderError:
            return
        fed += piece
        assert reader.buffered <= MAX_HEADER
        if header is not None:
            assert header.length <= MAX_HEADER
            assert fed[: header.length] + reader.rest == fed  # nothing lost, nothing read twice
            return
    assert fed == total
