import ipaddress

import pytest

from ecconf.compiler.values import to_bool, to_cidr, to_int, to_listen_address, to_octal_mode


@pytest.mark.parametrize("word", ["true", "YES", "On", "enabled", "1", " true "])
def test_true_spellings(word: str) -> None:
    assert to_bool(word) is True


@pytest.mark.parametrize("word", ["false", "no", "OFF", "disabled", "0"])
def test_false_spellings(word: str) -> None:
    assert to_bool(word) is False


def test_bool_rejects_other_words_and_names_the_spellings() -> None:
    with pytest.raises(ValueError, match="yes/no"):
        to_bool("maybe")


def test_int_and_minimum() -> None:
    assert to_int("300") == 300
    with pytest.raises(ValueError, match="whole number"):
        to_int("3.5")
    with pytest.raises(ValueError, match="at least 0"):
        to_int("-1")


def test_octal_mode() -> None:
    assert to_octal_mode("0660") == 0o660
    with pytest.raises(ValueError, match="octal"):
        to_octal_mode("0999")


def test_cidr_host_bits_are_noticed() -> None:
    value = to_cidr("10.0.0.1/8")
    assert value.network == ipaddress.ip_network("10.0.0.0/8") and value.had_host_bits
    assert not to_cidr("2001:db8::/32").had_host_bits
    assert to_cidr("127.0.0.1").network.prefixlen == 32
    with pytest.raises(ValueError, match="CIDR"):
        to_cidr("10.0.0.0/33")


@pytest.mark.parametrize(
    ("text", "kind", "host", "port", "path"),
    [
        (":25", "tcp", "0.0.0.0", 25, ""),
        ("*:25", "tcp", "0.0.0.0", 25, ""),
        ("127.0.0.1:2525", "tcp", "127.0.0.1", 2525, ""),
        ("[::]:25", "tcp", "::", 25, ""),
        ("[2001:db8::1]:587", "tcp", "2001:db8::1", 587, ""),
        ("/tmp/2025", "unix", "", 0, "/tmp/2025"),
    ],
)
def test_listen_addresses(text: str, kind: str, host: str, port: int, path: str) -> None:
    address = to_listen_address(text)
    assert (address.kind, address.host, address.port, address.path) == (kind, host, port, path)


def test_same_socket_has_same_key() -> None:
    assert to_listen_address(":25").key == to_listen_address("*:25").key == to_listen_address("0.0.0.0:25").key


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
