"""Coercions from the text of a value to its type.

Rule of this room: pure functions from `str` to a typed value; a value that does not fit raises ValueError
with a message an operator understands (it becomes a diagnostic at the value's position). No I/O.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

TRUE_WORDS = frozenset({"true", "yes", "on", "enabled", "enable", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "disabled", "disable", "0"})
BOOLEAN_SPELLINGS = "true/false, yes/no, on/off, enabled/disabled or 1/0"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def to_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"expected a boolean ({BOOLEAN_SPELLINGS}), got {text!r}")


def to_flag(text: str) -> int:
    """A 0/1 option that the documentation also sets with a boolean word (`adaptive_sweep_rule_enabled = true`):
    the number, or 1/0 for a boolean spelling."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return 1
    if word in FALSE_WORDS:
        return 0
    try:
        return to_int(text)
    except ValueError:
        raise ValueError(f"expected 0 or 1 (or {BOOLEAN_SPELLINGS}), got {text!r}") from None


def to_boolean_or(*words: str) -> Callable[[str], bool | str]:
    """A boolean that also takes the given words (`Blackhole = "inline"`): the boolean, or the word in lower case."""

    def convert(text: str) -> bool | str:
        word = text.strip().lower()
        if word in words:
            return word
        try:
            return to_bool(text)
        except ValueError:
            raise ValueError(
                f"expected a boolean ({BOOLEAN_SPELLINGS}) or one of {', '.join(words)}, got {text!r}"
            ) from None

    return convert


def to_int(text: str, *, minimum: int = 0) -> int:
    word = text.strip()
    try:
        number = int(word, 10)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None
    if number < minimum:
        raise ValueError(f"expected a number of at least {minimum}, got {number}")
    return number


def to_seconds(text: str) -> float:
    """A duration in seconds; fractions allowed ("0.5")."""
    word = text.strip()
    try:
        seconds = float(word)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"expected a number of seconds of at least 0, got {text!r}")
    return seconds


REDIS_SCHEMES = ("redis", "rediss", "unix")


def to_redis_url(text: str) -> str:
    """A Redis server's URL: redis://host:port/db, rediss:// (TLS) or unix:///path/to/socket."""
    word = text.strip()
    scheme, sep, rest = word.partition("://")
    if not sep or scheme.lower() not in REDIS_SCHEMES or not rest.strip("/"):
        raise ValueError(f"expected a redis://, rediss:// or unix:// URL, got {text!r}")
    return word


def to_choice(*choices: str) -> Callable[[str], str]:
    """A converter that accepts one of `choices` (case-insensitive) and returns it in lower case."""

    def convert(text: str) -> str:
        word = text.strip().lower()
        if word not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return word

    return convert


def to_octal_mode(text: str) -> int:
    word = text.strip()
    try:
        mode = int(word, 8)
    except ValueError:
        raise ValueError(f"expected an octal file mode such as 0660, got {text!r}") from None
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"file mode {text!r} is out of range (0000 to 7777)")
    return mode


@dataclass(frozen=True, slots=True)
class CidrValue:
    network: IPNetwork
    # True when the text had host bits set ("10.0.0.1/8"): Momentum masks them, which is rarely meant.
    had_host_bits: bool


# A dotted quad in canonical form (no leading zeros, each part 0-255): what ipaddress accepts and prints back
# unchanged. Most addresses in real configs are these; reading them here skips ipaddress's string parser
# (about 4 µs each), which showed in the lint of a config with thousands of Listen and Peer scopes.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4_CIDR = re.compile(rf"({_OCTET})\.({_OCTET})\.({_OCTET})\.({_OCTET})(?:/(3[0-2]|[12]?\d))?")


def _ipv4_network(word: str) -> ipaddress.IPv4Network | None:
    """A strict IPv4 network (no host bits set) from its canonical text, or None to take the general road."""
    found = _IPV4_CIDR.fullmatch(word)
    if found is None:
        return None
    a, b, c, d, bits = found.groups()
    address = (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)
    prefix = 32 if bits is None else int(bits)
    if address & ((1 << (32 - prefix)) - 1):
        return None  # host bits set: the general road says so
    return ipaddress.IPv4Network((address, prefix))


@lru_cache(maxsize=8192)
def to_cidr(text: str) -> CidrValue:
    """Parsed once per distinct text: configs repeat the same networks across many scopes."""
    word = text.strip()
    fast = _ipv4_network(word)
    if fast is not None:
        return CidrValue(fast, False)
    try:
        return CidrValue(ipaddress.ip_network(word, strict=True), False)
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(word, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or CIDR network (like 10.0.0.0/8 or 2001:db8::/32)") from None
    return CidrValue(network, True)
