"""The PROXY protocol header (versions 1 and 2) a load balancer sends before the client's first byte.

Rule of this room: sans-IO and bounded. `HeaderReader.feed` takes bytes as they arrive and answers None (send
more), a `ProxyHeader` (with the bytes after it in `rest`), or raises `ProxyHeaderError`; nothing else ever
escapes it. It never holds more than MAX_HEADER bytes of header, looks at each byte a bounded number of times
(linear in what it is fed), and decides as early as the bytes allow: a first byte that starts neither
version is refused at once. What to do with a header that names no client (LOCAL, UNKNOWN, UNIX) is the
caller's decision; this module only reports it.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

V1_PREFIX = b"PROXY "
V1_MAX = 107  # the whole v1 line, CRLF included (the specification's worst case, TCP6 with every field)
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V2_FIXED = 16  # signature, version/command, family/transport, length
# The v2 length field allows 65535 bytes; the addresses take at most 216 (UNIX) and the TLVs proxies send
# (AWS endpoint id, TLS facts, unique ids) stay well under a kilobyte. Past this bound: refused, not read.
V2_MAX_BODY = 2048
MAX_HEADER = V2_FIXED + V2_MAX_BODY

# v2 address block sizes by family nibble: INET (4+4+2+2), INET6 (16+16+2+2), UNIX (108+108).
_V2_FAMILIES = {0x0: ("UNSPEC", 0), 0x1: ("TCP4", 12), 0x2: ("TCP6", 36), 0x3: ("UNIX", 216)}
_PORT_DIGITS = 5


class ProxyHeaderError(Exception):
    """The bytes are not a PROXY header we accept; `reason` says why, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProxyHeader:
    version: int  # 1 or 2
    command: str  # "PROXY", or "LOCAL" (v2: the proxy's own connection, a health check)
    family: str  # "TCP4", "TCP6", "UNIX", "UNKNOWN" (v1) or "UNSPEC" (v2)
    source: tuple[str, int] | None  # the client's address and port; None when the header names none
    destination: tuple[str, int] | None
    length: int  # bytes the header took on the wire


def _port(text: bytes) -> int:
    if not text.isdigit() or len(text) > _PORT_DIGITS or (len(text) > 1 and text.startswith(b"0")):
        raise ProxyHeaderError("bad port in v1 header")
    port = int(text)
    if port > 65535:
        raise ProxyHeaderError("bad port in v1 header")
    return port


def _v1_address(text: bytes, family: str) -> str:
    kind = ipaddress.IPv4Address if family == "TCP4" else ipaddress.IPv6Address
    try:
        word = text.decode("ascii")
        if "%" in word:  # a scope id names an interface of the proxy's host, never a client
            raise ValueError(word)
        return str(kind(word))
    except ValueError:
        raise ProxyHeaderError(f"bad {family} address in v1 header") from None


def parse_v1(line: bytes) -> ProxyHeader:
    """One v1 line, CRLF included."""
    body = line[len(V1_PREFIX) : -2]
    if b"\r" in body or b"\n" in body:
        raise ProxyHeaderError("stray CR or LF in v1 header")
    words = body.split(b" ")
    if words[0] == b"UNKNOWN":  # anything may follow UNKNOWN, and the receiver ignores it
        return ProxyHeader(1, "PROXY", "UNKNOWN", None, None, len(line))
    if len(words) != 5 or words[0] not in (b"TCP4", b"TCP6"):
        raise ProxyHeaderError("v1 header is not PROXY TCP4|TCP6 src dst sport dport")
    family = words[0].decode()
    source = (_v1_address(words[1], family), _port(words[3]))
    destination = (_v1_address(words[2], family), _port(words[4]))
    return ProxyHeader(1, "PROXY", family, source, destination, len(line))


def parse_v2(header: bytes) -> ProxyHeader:
    """A whole v2 header: the 16 fixed bytes and the body their length announces."""
    ver_cmd, fam, length = header[12], header[13], struct.unpack_from("!H", header, 14)[0]
    command = {0x20: "LOCAL", 0x21: "PROXY"}.get(ver_cmd)
    if command is None:
        raise ProxyHeaderError(f"v2 header with unknown version/command 0x{ver_cmd:02x}")
    family, size = _V2_FAMILIES.get(fam >> 4, ("", -1))
    transport = fam & 0x0F
    if size < 0 or transport > 2:
        raise ProxyHeaderError(f"v2 header with unknown family/transport 0x{fam:02x}")
    if length < size:
        raise ProxyHeaderError(f"v2 {family} header too short for its addresses ({length} bytes)")
    body = header[V2_FIXED:]
    _check_tlvs(body[size:])
    source = destination = None
    if command == "PROXY" and transport == 1 and family in ("TCP4", "TCP6"):
        width = 4 if family == "TCP4" else 16
        kind = ipaddress.IPv4Address if family == "TCP4" else ipaddress.IPv6Address
        src, dst = kind(body[:width]), kind(body[width : 2 * width])
        sport, dport = struct.unpack_from("!HH", body, 2 * width)
        source, destination = (str(src), sport), (str(dst), dport)
    elif transport == 2:
        family += "/DGRAM"  # a datagram client: no SMTP session comes from one
    return ProxyHeader(2, command, family, source, destination, len(header))


def _check_tlvs(tlvs: bytes) -> None:
    """Type-length-value fields after the addresses are skipped, but each must fit in the header."""
    at = 0
    while at < len(tlvs):
        if at + 3 > len(tlvs):
            raise ProxyHeaderError("v2 header with a truncated TLV")
        at += 3 + struct.unpack_from("!H", tlvs, at + 1)[0]
        if at > len(tlvs):
            raise ProxyHeaderError("v2 header with a TLV longer than the header")


class HeaderReader:
    """Reads one header off the start of a connection, fed in pieces of any size."""

    __slots__ = ("_buffer", "_scanned", "rest")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scanned = 0  # v1: bytes already searched for the line's end
        self.rest = b""  # after a header: the bytes that followed it, the client's own

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> ProxyHeader | None:
        """None: the header is not complete yet (nothing is wrong so far)."""
        buffer = self._buffer
        # Only what the header may still need is held; the rest is kept aside untouched.
        room = MAX_HEADER - len(buffer)
        buffer += data[:room]
        overflow = data[room:]
        header = self._header()
        if header is None:
            if overflow:  # more than the largest header, and none is complete: it cannot be one
                raise ProxyHeaderError(f"no complete PROXY header in the first {MAX_HEADER} bytes")
            return None
        self.rest = bytes(buffer[header.length :]) + overflow
        buffer.clear()
        return header

    def _header(self) -> ProxyHeader | None:
        buffer = self._buffer
        if buffer[:1] == V1_PREFIX[:1]:
            return self._v1()
        if buffer[:1] == V2_SIGNATURE[:1]:
            return self._v2()
        if buffer:
            raise ProxyHeaderError("the connection does not start with a PROXY header")
        return None

    def _v1(self) -> ProxyHeader | None:
        buffer = self._buffer
        start = len(V1_PREFIX)
        if buffer[:start] != V1_PREFIX[: len(buffer)]:
            raise ProxyHeaderError("the connection does not start with a PROXY header")
        # Search only the bytes not searched before (one back, for a CR at the end of the last piece).
        end = buffer.find(b"\r\n", max(0, self._scanned - 1), V1_MAX)
        self._scanned = min(len(buffer), V1_MAX)
        if end < 0:
            if len(buffer) >= V1_MAX:
                raise ProxyHeaderError(f"v1 header longer than {V1_MAX} bytes")
            return None
        if end < start:
            raise ProxyHeaderError("the connection does not start with a PROXY header")
        return parse_v1(bytes(buffer[: end + 2]))

    def _v2(self) -> ProxyHeader | None:
        buffer = self._buffer
        if buffer[:12] != V2_SIGNATURE[: min(len(buffer), 12)]:
            raise ProxyHeaderError("the connection does not start with a PROXY header")
        if len(buffer) < V2_FIXED:
            return None
        length = struct.unpack_from("!H", buffer, 14)[0]
        if length > V2_MAX_BODY:
            raise ProxyHeaderError(f"v2 header of {length} bytes, more than {V2_MAX_BODY}")
        if buffer[12] >> 4 != 2:
            raise ProxyHeaderError(f"v2 header with unknown version/command 0x{buffer[12]:02x}")
        if len(buffer) < V2_FIXED + length:
            return None
        return parse_v2(bytes(buffer[: V2_FIXED + length]))
