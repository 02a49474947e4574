"""Listen addresses: every documented form, the same socket however it is spelled, and clear refusals."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.runtime.listen_address import parse_listen_address as to_listen_address


@pytest.mark.parametrize(
    ("text", "kind", "host", "port", "path"),
    [
        (":25", "tcp", "0.0.0.0", 25, ""),
        ("*:25", "tcp", "0.0.0.0", 25, ""),
        ("127.0.0.1:2525", "tcp", "127.0.0.1", 2525, ""),
        ("[::]:25", "tcp", "::", 25, ""),
        ("[*]:25", "tcp", "::", 25, ""),  # Momentum's every-IPv6-address form, beside *:25 for IPv4
        ("[2001:db8::1]:587", "tcp", "2001:db8::1", 587, ""),
        ("/tmp/2025", "unix", "", 0, "/tmp/2025"),
    ],
)
def test_listen_addresses(text: str, kind: str, host: str, port: int, path: str) -> None:
    address = to_listen_address(text)
    assert (address.kind, address.host, address.port, address.path) == (kind, host, port, path)


def test_same_socket_has_same_key() -> None:
    assert to_listen_address(":25").key == to_listen_address("*:25").key == to_listen_address("0.0.0.0:25").key
    assert to_listen_address("[*]:25").key == to_listen_address("[::]:25").key


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("25", "no port"),
        ("1.2.3.4:99999", "out of range"),
        ("::1:25", "brackets"),
        ("[::1]25", "as \\[address\\]:port"),
        ("host:25", "not an IPv4"),
        ("[zz]:25", "not an IPv6"),
    ],
)
def test_bad_listen_addresses(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        to_listen_address(text)


# The dotted-quad fast road must agree with ipaddress on every text, accepted or not.
_octets = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "010", "255", "256", "1000", ""]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_octets, min_size=4, max_size=4))
def test_listen_address_fast_road_agrees_with_ipaddress(octets: list[str]) -> None:
    host = ".".join(octets)
    try:
        expected: str | None = str(ipaddress.IPv4Address(host))
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            to_listen_address(f"{host}:25")
    else:
        assert to_listen_address(f"{host}:25").host == expected


@pytest.mark.parametrize("port", ["²5", "٢٥", "+25", "-1", " 25"])
def test_ports_are_ascii_digits(port: str) -> None:
    with pytest.raises(ValueError, match="no valid port"):
        to_listen_address(f"127.0.0.1:{port}")


def test_local_addresses() -> None:
    assert to_listen_address("/tmp/s").is_local and to_listen_address("127.0.0.2:25").is_local
    assert to_listen_address("[::1]:25").is_local
    assert not to_listen_address("[*]:25").is_local and not to_listen_address(":25").is_local
