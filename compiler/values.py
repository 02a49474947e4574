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
_IPV4 = re.compile(rf"({_OCTET})\.({_OCTET})\.({_OCTET})\.({_OCTET})")
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


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """Where a `Listen` binds: a TCP host and port, or a Unix socket path."""

    kind: str  # "tcp" or "unix"
    host: str = ""  # "0.0.0.0" for ":25" and "*:25"; "::" for "[::]:25" and "[*]:25"
    port: int = 0
    path: str = ""

    @property
    def key(self) -> tuple[str, str, int, str]:
        """Two Listens with the same key would bind the same socket."""
        return (self.kind, self.host, self.port, self.path)


def _port(text: str, whole: str) -> int:
    if not text.isdigit():
        raise ValueError(f'listen address {whole!r} has no valid port (expected host:port, e.g. ":25")')
    port = int(text)
    if port > 65535:
        raise ValueError(f"port {port} in {whole!r} is out of range (0 to 65535)")
    return port


def to_listen_address(text: str) -> ListenAddress:
    """`:25`, `*:25`, `127.0.0.1:25`, `[::]:25` (or `[*]:25`), `[2001:db8::1]:587`, `/path/to/socket`."""
    word = text.strip()
    if word.startswith("/"):
        return ListenAddress("unix", path=word)
    if word.startswith("["):
        host, sep, rest = word[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"listen address {text!r}: write IPv6 addresses as [address]:port")
        if host == "*":  # Momentum's "every IPv6 address", as "*:25" is every IPv4 one
            return ListenAddress("tcp", host="::", port=_port(rest[1:], text))
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"listen address {text!r}: {host!r} is not an IPv6 address") from None
        return ListenAddress("tcp", host=str(address), port=_port(rest[1:], text))
    host, sep, port = word.rpartition(":")
    if not sep:
        raise ValueError(f'listen address {text!r} has no port (expected host:port, e.g. ":25" or "127.0.0.1:25")')
    if host in ("", "*"):
        return ListenAddress("tcp", host="0.0.0.0", port=_port(port, text))
    if ":" in host:
        raise ValueError(f'listen address {text!r}: write IPv6 addresses in brackets, e.g. "[::1]:25"')
    if _IPV4.fullmatch(host):
        return ListenAddress("tcp", host=host, port=_port(port, text))  # already canonical
    try:
        ipv4 = ipaddress.IPv4Address(host)
    except ValueError:
        raise ValueError(f"listen address {text!r}: {host!r} is not an IPv4 address") from None
    return ListenAddress("tcp", host=str(ipv4), port=_port(port, text))
