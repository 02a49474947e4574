import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecconf.compiler.values import (
    to_bool,
    to_boolean_or,
    to_cidr,
    to_flag,
    to_int,
    to_octal_mode,
)


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


@pytest.mark.parametrize(("word", "number"), [("true", 1), ("Yes", 1), ("on", 1), ("false", 0), ("off", 0), ("1", 1)])
def test_flag_takes_numbers_and_boolean_words(word: str, number: int) -> None:
    assert to_flag(word) == number


def test_flag_refuses_other_words() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        to_flag("maybe")


def test_boolean_or_words() -> None:
    convert = to_boolean_or("inline", "internal")
    assert (convert("true"), convert("no"), convert("INLINE"), convert("internal")) == (
        True,
        False,
        "inline",
        "internal",
    )
    with pytest.raises(ValueError, match="inline, internal"):
        convert("outline")


# The dotted-quad fast road must agree with ipaddress on every text, accepted or not.
_octets = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "010", "255", "256", "1000", ""]))
_prefixes = st.one_of(st.just(""), st.integers(0, 40).map(lambda n: f"/{n}"), st.sampled_from(["/08", "/", "/x"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(_octets, min_size=4, max_size=4), _prefixes)
def test_cidr_fast_road_agrees_with_ipaddress(octets: list[str], prefix: str) -> None:
    text = ".".join(octets) + prefix
    try:
        strict = ipaddress.ip_network(text, strict=True)
        expected: tuple[object, bool] | None = (strict, False)
    except ValueError:
        try:
            expected = (ipaddress.ip_network(text, strict=False), True)
        except ValueError:
            expected = None
    if expected is None:
        with pytest.raises(ValueError):
            to_cidr(text)
    else:
        got = to_cidr(text)
        assert (got.network, got.had_host_bits) == expected
