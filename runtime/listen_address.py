"""Listen addresses: the one reader of a `Listen` address, for lint and serve alike.

Rule of this room: a pure function from the text written after `Listen` to where the socket binds, or a
ValueError whose message an operator understands (lint shows it at the address, E302). The compiler reads
every Listen with `parse_listen_address` (through compiler/runtime_facts.py), and the server binds what the
same function answered, so an address lint accepts is one serve binds, and the other way round.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

# A dotted quad in canonical form (no leading zeros, each part 0-255): what ipaddress accepts and prints back
# unchanged. Most Listen addresses are these; reading them here skips ipaddress's string parser, which showed
# in the lint of a config with thousands of Listen scopes.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """Where one listener binds: a TCP host and port, or a Unix socket path."""

    kind: Literal["tcp", "unix"]
    host: str = ""  # "0.0.0.0" for ":25" and "*:25"; "::" for "[::]:25" and "[*]:25"; canonical text
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        return parse_listen_address(text)

    @property
    def key(self) -> tuple[str, str, int, str]:
        """Two Listens with the same key would bind the same socket."""
        return (self.kind, self.host, self.port, self.path)

    @property
    def is_local(self) -> bool:
        """A Unix socket or a loopback address: traffic that never leaves the machine."""
        return self.kind == "unix" or ipaddress.ip_address(self.host).is_loopback


def _port(text: str, whole: str) -> int:
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() holds, and int() refuses it
        raise ValueError(f'listen address {whole!r} has no valid port (expected host:port, e.g. ":25")')
    port = int(text)
    if port > 65535:
        raise ValueError(f"port {port} in {whole!r} is out of range (0 to 65535)")
    return port


def parse_listen_address(text: str) -> ListenAddress:
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
